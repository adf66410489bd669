/** What every call feature is given, and the base that tracks its listeners and timers. */
import type { Clock, Logger, Module, TimerHandle } from '../../../core/index.ts';
import type { RelayService } from '../../../hal/types.ts';
import type { SipEngine } from '../../../sip/engine.ts';
import type { AgentEvents, Bus } from '../../bus.ts';
import type { Config } from '../../config/index.ts';
import type { DoorService } from '../../door/door.ts';

export type FeatureDeps = {
  config: { get(): Config };
  bus: Bus;
  clock: Clock;
  log: Logger;
  sip: SipEngine;
  /** Relays for uses other than opening a door (the push button action's relay). */
  relays: RelayService;
  /** The one owner of door openings. */
  door: DoorService;
};

/**
 * A call feature: reads its settings from the config when it needs them (so a change applies
 * without a restart), listens on the bus, keeps time with the injected clock. Everything it
 * subscribed or scheduled is released on stop.
 */
export abstract class Feature implements Module {
  abstract readonly name: string;
  protected readonly deps: FeatureDeps;
  #offs: (() => void)[] = [];
  #timers = new Set<TimerHandle>();

  constructor(deps: FeatureDeps) {
    this.deps = deps;
  }

  get config(): Config {
    return this.deps.config.get();
  }

  get log(): Logger {
    return this.deps.log;
  }

  async start(): Promise<void> {
    this.subscribe();
  }

  async stop(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
    for (const t of this.#timers) this.deps.clock.clearTimeout(t);
    this.#timers.clear();
  }

  /** Subscribes to the bus events of this feature (called by start). */
  protected abstract subscribe(): void;

  protected on<E extends keyof AgentEvents>(event: E, fn: (payload: AgentEvents[E]) => void): void {
    this.#offs.push(this.deps.bus.on(event, fn));
  }

  /** A timer released on stop; returns its handle for cancel(). */
  protected after(ms: number, fn: () => void): TimerHandle {
    const h = this.deps.clock.setTimeout(() => {
      this.#timers.delete(h);
      fn();
    }, ms);
    this.#timers.add(h);
    return h;
  }

  protected cancel(h: TimerHandle | undefined): void {
    if (!h) return;
    this.deps.clock.clearTimeout(h);
    this.#timers.delete(h);
  }

  /** Runs a SIP command, logging instead of throwing (the call may be gone already). */
  protected attempt(what: string, p: Promise<unknown>): void {
    p.catch((err) => this.log.warn({ err }, `${what} failed`));
  }
}
