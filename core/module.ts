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
 * marked failed and isolated: the others go on. A stop while the modules start (a Ctrl-C at the
 * start) waits for the module starting then, starts no more, and stops every one that runs.
 */
export class ModuleHost {
  #modules: Module[] = [];
  #state = new Map<string, { state: ModuleState; error?: string }>();
  #log: Logger;
  #stopping = false;
  /** The start of the module starting now, if any (settles, never rejects). */
  #starting: Promise<void> | undefined;

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
    this.#stopping = false;
    for (const m of this.#modules) {
      if (this.#stopping) break;
      this.#starting = m.start().then(
        () => void this.#state.set(m.name, { state: 'running' }),
        (err) => {
          this.#log.error({ module: m.name, err }, `module ${m.name} failed to start; the agent goes on without it`);
          this.#state.set(m.name, { state: 'failed', error: errorMessage(err) });
        },
      );
      await this.#starting;
      this.#starting = undefined;
    }
  }

  /** Whether a stop was asked for (since the last start). */
  get stopping(): boolean {
    return this.#stopping;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#starting;
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
