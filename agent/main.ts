/** Builds the agent from its parts and runs it until SIGINT/SIGTERM/SIGHUP. */
import { networkInterfaces } from 'node:os';
import { type Clock, type Logger, ModuleHost, RealClock, shieldChildrenFromTerminal } from '../core/index.ts';
import { Bus } from './bus.ts';
import { ConfigStore } from './config/index.ts';
import type { AgentContext, Part, RunOptions } from './context.ts';
import { doorPart } from './door/index.ts';
import { featuresPart } from './features/index.ts';
import { firmwareVersion } from './firmware/index.ts';
import { cloudPart } from './parts/cloud.ts';
import { devBrokerPart } from './parts/dev-broker.ts';
import { devMonitorPart } from './parts/dev-monitor.ts';
import { firmwarePart } from './parts/firmware.ts';
import { halPart } from './parts/hal.ts';
import { homeAssistantPart } from './parts/home-assistant.ts';
import { logsPart } from './parts/logs.ts';
import { monitorPart } from './parts/monitor.ts';
import { provisioningPart } from './parts/provisioning.ts';
import { sipPart } from './parts/sip.ts';
import { webPart } from './parts/web.ts';

/** The parts of the agent, in the order they are built: each may use the services of those before it. */
const PARTS: Part[] = [
  halPart,
  sipPart,
  doorPart,
  logsPart,
  featuresPart,
  monitorPart,
  webPart,
  firmwarePart,
  devBrokerPart,
  cloudPart,
  homeAssistantPart,
  provisioningPart,
  devMonitorPart,
];

/**
 * Parts whose modules only listen to the bus start first, the others then in build order: what the
 * HAL or the SIP engine reports while the agent starts (an exit button pressed, a call coming in)
 * is never lost. They stop in reverse, so the logs still record the calls that end at a stop.
 */
const LISTENERS: ReadonlySet<Part> = new Set([doorPart, logsPart, featuresPart, monitorPart]);

export type Agent = { ctx: AgentContext; host: ModuleHost; start(): Promise<void>; stop(): Promise<void> };

export async function createAgent(
  options: RunOptions,
  deps: { log: Logger; clock?: Clock; onRestart?: () => void },
): Promise<Agent> {
  const clock = deps.clock ?? new RealClock();
  const log = deps.log;
  const bus = new Bus((event, err) => log.error({ err, event }, `a listener of ${String(event)} threw`));
  const config = new ConfigStore({ dataDir: options.dataDir, clock, log: log.child({ module: 'config' }) });
  const report = await config.load();
  for (const w of report.warnings) log.error(w);
  if (report.from === 'defaults') log.info({ dataDir: options.dataDir }, 'first run: default configuration');
  if (!config.get().identity.mac) {
    const mac = firstMac();
    if (mac) await config.apply({ identity: { mac } }, 'agent');
  }
  config.events.on('changed', (c) => {
    log.info({ keys: c.keys, source: c.source }, 'config changed');
    bus.emit('config.changed', c);
  });

  const host = new ModuleHost(log);
  const restart = deps.onRestart ?? (() => log.warn('restart requested, but this agent cannot restart itself'));
  const services: AgentContext['services'] = { modules: () => host.states() };
  const ctx: AgentContext = {
    options,
    config,
    bus,
    clock,
    log,
    services,
    restart,
    firmwareVersion: firmwareVersion(),
    callsInProgress: () => services.sip?.calls().filter((c) => c.state !== 'closed').length ?? 0,
  };
  const built = PARTS.map((part) => ({ part, modules: part(ctx) }));
  for (const b of built) if (LISTENERS.has(b.part)) host.add(...b.modules);
  for (const b of built) if (!LISTENERS.has(b.part)) host.add(...b.modules);
  let unwatch: (() => void) | undefined;
  return {
    ctx,
    host,
    async start() {
      unwatch = config.watch();
      await host.start();
      if (!host.stopping) bus.emit('agent.started', { at: clock.now() });
    },
    async stop() {
      bus.emit('agent.stopping', { at: clock.now() });
      unwatch?.();
      await host.stop();
    },
  };
}

function firstMac(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && i.mac !== '00:00:00:00:00:00') return i.mac.toUpperCase();
  }
  return undefined;
}

/** Runs the agent until a signal; a second signal forces the exit. `restart()` rebuilds it in place. */
export async function runAgent(options: RunOptions, log: Logger): Promise<void> {
  let agent: Agent | undefined;
  let stopping = false;
  const boot = async () => {
    const next = await createAgent(options, { log, onRestart: restart });
    agent = next;
    if (!stopping) await next.start();
  };
  /** The boot or restart in progress (settled: its errors are logged). */
  let cycle: Promise<void> = Promise.resolve();
  let restarting = false;
  function restart() {
    if (restarting || stopping) return;
    restarting = true;
    log.info('restarting the agent');
    cycle = (agent as Agent)
      .stop()
      .then(boot)
      .catch((err) => log.error({ err }, 'restart failed'))
      .finally(() => {
        restarting = false;
      });
  }
  const shutdown = (signal: string) => {
    if (stopping) {
      if (signal === 'SIGHUP') return; // a closed terminal may send it twice: not a hurry
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    // the agent as it is now (one still starting stops after the module starting), then the one a
    // boot or restart in progress made (it starts nothing once stopping)
    const now = agent;
    Promise.resolve(now?.stop())
      .then(() => cycle)
      .then(() => (agent !== now ? agent?.stop() : undefined))
      .then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'stop failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP')); // the terminal closed
  shieldChildrenFromTerminal(); // a Ctrl-C reaches only this process, whose stop ends baresip and the others
  cycle = boot();
  await cycle;
  if (!stopping) log.info({ dataDir: options.dataDir, hal: options.hal }, 'agent running');
}
