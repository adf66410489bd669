/**
 * Parts whose code is loaded only when the config uses them. The module is built by a dynamic
 * `import()` (a file of its own in the device build, rootfs/agent-bundle.ts) when `wanted(config)`
 * holds: at start, or at the first config change that turns it on. Until then it costs no memory
 * for its code nor its libraries (the cloud link and Home Assistant bring the MQTT client). Once
 * loaded, the module handles every later change itself (turning it off included), as it would
 * have had it been built at once. docs/footprint.md says what this saves.
 */
import { errorMessage, type Module } from '../../core/index.ts';
import type { Config } from '../config/index.ts';
import type { AgentContext } from '../context.ts';

/** Runs `load` once; later calls (also concurrent ones) get the same result. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= load().catch((err) => {
      p = undefined; // a failed load is tried again next time
      throw err;
    });
    return p;
  };
}

export type OnDemand<M extends Module> = Module & {
  /** The module once loaded. */
  loaded(): M | undefined;
  /** Loads (and starts, when the agent runs) the module now, whatever the config says. */
  load(): Promise<M>;
};

export function onDemandModule<M extends Module>(
  ctx: AgentContext,
  opts: { name: string; wanted: (config: Config) => boolean; load: () => Promise<M> },
): OnDemand<M> {
  const build = once(opts.load);
  let module: M | undefined;
  let running = false;
  let moduleStarted = false;
  let off: (() => void) | undefined;
  // start, stop and loads one after the other
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job, job);
    queue = run.catch(() => {});
    return run;
  };
  const ensure = () =>
    serially(async () => {
      module ??= await build();
      if (running && !moduleStarted) {
        await module.start();
        moduleStarted = true;
      }
      return module;
    });
  return {
    name: opts.name,
    loaded: () => module,
    load: ensure,
    async start() {
      running = true;
      if (module || opts.wanted(ctx.config.get())) {
        await ensure();
        return;
      }
      off = ctx.bus.on('config.changed', (c) => {
        if (!opts.wanted(c.config)) return;
        off?.();
        off = undefined;
        ensure().catch((err) =>
          ctx.log.error({ err, module: opts.name }, `${opts.name} could not start: ${errorMessage(err)}`),
        );
      });
    },
    async stop() {
      running = false;
      off?.();
      off = undefined;
      await serially(async () => {
        if (module && moduleStarted) {
          moduleStarted = false;
          await module.stop();
        }
      });
    },
  };
}
