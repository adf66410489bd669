import type { Logger } from './log.ts';

/**
 * A part of the agent with a lifecycle: the constructor only stores dependencies,
 * `start()` acquires resources and subscribes, `stop()` releases them.
 */
export interface Module {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export type ModuleState = 'stopped' | 'running' | 'failed';

/**
 * Starts modules in order and stops them in reverse order. A module that throws is logged,
 * marked failed and isolated: the others go on.
 */
export class ModuleHost {
  #modules: Module[] = [];
  #state = new Map<string, { state: ModuleState; error?: string }>();
  #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  add(...modules: Module[]): this {
    for (const m of modules) {
      this.#modules.push(m);
      this.#state.set(m.name, { state: 'stopped' });
    }
    return this;
  }

  async start(): Promise<void> {
    for (const m of this.#modules) {
      try {
        await m.start();
        this.#state.set(m.name, { state: 'running' });
      } catch (err) {
        this.#log.error({ module: m.name, err }, `module ${m.name} failed to start; the agent goes on without it`);
        this.#state.set(m.name, { state: 'failed', error: errorMessage(err) });
      }
    }
  }

  async stop(): Promise<void> {
    for (const m of [...this.#modules].reverse()) {
      if (this.#state.get(m.name)?.state !== 'running') continue;
      try {
        await m.stop();
      } catch (err) {
        this.#log.error({ module: m.name, err }, `module ${m.name} failed to stop cleanly`);
      }
      this.#state.set(m.name, { state: 'stopped' });
    }
  }

  /** State of every module, for status pages. */
  states(): Record<string, { state: ModuleState; error?: string }> {
    return Object.fromEntries(this.#state);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
