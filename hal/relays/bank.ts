/**
 * The relays of the device, built from the config: each enabled relay requests its own output line
 * (inactive), so a missing or busy line disables that relay only, with an error naming the line.
 * Every relay is driven inactive when the bank starts and when it stops.
 */
import { errorMessage } from '../../core/index.ts';
import type { GpioDriver, RelayConfig, RelayService, RelayState } from '../types.ts';
import { Relay, type RelayDeps } from './relay.ts';

export const CONSUMER = 'portier';

export class RelayBank implements RelayService {
  #deps: RelayDeps;
  #relays: Relay[] = [];
  #driver: GpioDriver | undefined;
  #driverError: string | undefined;

  constructor(deps: RelayDeps) {
    this.#deps = deps;
  }

  /** Requests the lines of the enabled relays. `driver` is an error message when no driver could be opened. */
  async start(driver: GpioDriver | string, configs: RelayConfig[]): Promise<void> {
    if (typeof driver === 'string') this.#driverError = driver;
    else this.#driver = driver;
    await this.apply(configs);
  }

  /** Reconciles with a new config: relays whose line, type or enabled flag changed, or out of service, are rebuilt. */
  async apply(configs: RelayConfig[]): Promise<void> {
    const next: Relay[] = [];
    for (const [i, cfg] of configs.entries()) {
      const old = this.#relays[i];
      if (old && sameLine(old.config, cfg) && !old.outOfService) {
        old.update(cfg);
        next.push(old);
        continue;
      }
      if (old) await old.shutdown('reconfigured');
      next.push(await this.#create(i, cfg));
    }
    for (const extra of this.#relays.slice(configs.length)) await extra.shutdown('removed');
    this.#relays = next;
  }

  async stop(): Promise<void> {
    for (const r of this.#relays) {
      try {
        await r.shutdown('agent stopping');
      } catch (err) {
        this.#deps.log.error({ err, relay: r.config.name }, 'could not release a relay line');
      }
    }
    this.#relays = [];
  }

  trigger(index: number, by: string): void {
    this.#relay(index).trigger(by);
  }

  set(index: number, on: boolean, by: string): void {
    this.#relay(index).set(on, by);
  }

  states(): RelayState[] {
    return this.#relays.map((r) => r.state());
  }

  #relay(index: number): Relay {
    const r = this.#relays[index];
    if (!r) throw new RangeError(`no relay ${index + 1} (there are ${this.#relays.length})`);
    return r;
  }

  async #create(index: number, cfg: RelayConfig): Promise<Relay> {
    if (!cfg.enabled) return new Relay(index, cfg, this.#deps, undefined);
    let error = this.#driverError;
    if (!error && !cfg.line) error = 'no GPIO line set';
    if (!error && this.#driver) {
      try {
        const lines = await this.#driver.requestOutputs(
          [{ line: cfg.line, activeLow: cfg.type === 'inverted' }],
          CONSUMER,
        );
        return new Relay(index, cfg, this.#deps, lines);
      } catch (err) {
        error = errorMessage(err);
      }
    }
    this.#deps.log.error(
      { relay: cfg.name, line: cfg.line, error },
      `relay ${index + 1} (${cfg.name}) is out of service: ${error}`,
    );
    return new Relay(index, cfg, this.#deps, undefined, error);
  }
}

function sameLine(a: RelayConfig, b: RelayConfig): boolean {
  return a.enabled === b.enabled && a.line === b.line && a.type === b.type;
}
