/**
 * The HAL of a device: one GPIO driver, the relays and the inputs built from the config, and the
 * events they emit. A driver that cannot be opened, or a line that is missing or busy, puts only
 * what needs it out of service (with an error naming the line): starting never throws for that.
 */
import { type Clock, errorMessage, type Logger, TypedEmitter } from '../core/index.ts';
import { InputBank } from './inputs/bank.ts';
import { RelayBank } from './relays/bank.ts';
import type { GpioDriver, HalEvents, InputConfig, RelayConfig } from './types.ts';

export type HalConfig = { relays: RelayConfig[]; inputs: InputConfig[] };

export type HalOptions = {
  clock: Clock;
  log: Logger;
  /** Opens the GPIO driver at start. */
  openDriver: () => Promise<GpioDriver>;
};

export class Hal {
  readonly events: TypedEmitter<HalEvents>;
  readonly relays: RelayBank;
  readonly inputs: InputBank;
  #opts: HalOptions;
  #driver: GpioDriver | undefined;

  constructor(opts: HalOptions) {
    this.#opts = opts;
    const { clock, log } = opts;
    this.events = new TypedEmitter<HalEvents>((event, err) =>
      log.error({ err, event }, `a listener of ${String(event)} threw`),
    );
    this.relays = new RelayBank({ clock, log, emit: (e) => this.events.emit('relay.changed', e) });
    this.inputs = new InputBank({
      clock,
      log,
      emit: {
        changed: (e) => this.events.emit('input.changed', e),
        alarm: (e) => this.events.emit('input.alarm', e),
      },
    });
  }

  get driver(): GpioDriver | undefined {
    return this.#driver;
  }

  async start(config: HalConfig): Promise<void> {
    let driver: GpioDriver | string;
    try {
      driver = await this.#opts.openDriver();
      this.#driver = driver;
    } catch (err) {
      driver = `GPIO driver unavailable: ${errorMessage(err)}`;
      this.#opts.log.error({ err }, 'the GPIO driver could not be opened: relays and inputs are out of service');
    }
    await this.relays.start(driver, config.relays);
    await this.inputs.start(driver, config.inputs);
  }

  /** Applies a new config without a restart (only what changed is requested again). */
  async apply(config: HalConfig): Promise<void> {
    await this.relays.apply(config.relays);
    await this.inputs.apply(config.inputs);
  }

  /** Stops reading inputs, drives every relay inactive, releases every line. */
  async stop(): Promise<void> {
    await this.inputs.stop();
    await this.relays.stop();
    const driver = this.#driver;
    this.#driver = undefined;
    await driver?.close();
  }
}
