/**
 * One relay (door strike) on one output line.
 *
 * Monostable: a trigger energizes the relay after the trigger delay for the hold time; a trigger
 * while it is energized (or waiting for the delay) extends the pulse to end a hold time after the
 * new trigger's delay. Bistable: trigger toggles, set switches on or off (no delay).
 * Fail-safe: the timer that ends a pulse is armed before the line is energized, and nothing that
 * happens afterwards (a listener or the caller throwing) can cancel it.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.ts';
import { errorMessage } from '../../core/index.ts';
import type { OutputLines, RelayChanged, RelayConfig, RelayState } from '../types.ts';

export type RelayDeps = { clock: Clock; log: Logger; emit: (e: RelayChanged) => void };

export class Relay {
  readonly index: number;
  #cfg: RelayConfig;
  #deps: RelayDeps;
  #lines: OutputLines | undefined;
  /** Why the line could not be requested (names the line). */
  #requestError: string | undefined;
  /** The last write to the line failed. */
  #writeError: string | undefined;
  #on = false;
  #changedAt: number;
  #startTimer: TimerHandle | undefined;
  #endTimer: TimerHandle | undefined;
  /** Monotonic ms at which the current (or pending) pulse ends. */
  #endAt = 0;

  constructor(index: number, cfg: RelayConfig, deps: RelayDeps, lines: OutputLines | undefined, error?: string) {
    this.index = index;
    this.#cfg = cfg;
    this.#deps = deps;
    this.#lines = lines;
    this.#requestError = error;
    this.#changedAt = deps.clock.now();
  }

  get config(): RelayConfig {
    return this.#cfg;
  }

  /** Enabled, but its line could not be requested. */
  get outOfService(): boolean {
    return this.#requestError !== undefined;
  }

  /** Takes new timing, name or mode; a mode change ends the current pulse or switches off. */
  update(cfg: RelayConfig): void {
    const modeChanged = cfg.mode !== this.#cfg.mode;
    this.#cfg = cfg;
    if (modeChanged) this.#off('mode changed');
  }

  trigger(by: string): void {
    this.#usable();
    if (this.#cfg.mode === 'bistable') {
      this.#drive(!this.#on, by);
      return;
    }
    const { clock } = this.#deps;
    const now = clock.monotonic();
    const delay = this.#cfg.triggerDelay * 1000;
    this.#endAt = Math.max(this.#endAt, now + delay + this.#cfg.holdTime * 1000);
    if (this.#on) {
      this.#armEnd(by);
      this.#deps.log.info(
        { relay: this.#cfg.name, by, endsIn: this.#endAt - now },
        `relay ${this.#cfg.name}: pulse extended`,
      );
      return;
    }
    if (this.#startTimer) return; // the pending pulse starts as planned and now ends later
    if (delay > 0) {
      this.#startTimer = clock.setTimeout(() => {
        this.#startTimer = undefined;
        this.#energize(by);
      }, delay);
    } else {
      this.#energize(by);
    }
  }

  set(on: boolean, by: string): void {
    this.#usable();
    if (this.#cfg.mode === 'monostable') {
      if (on) this.trigger(by);
      else this.#off(by);
      return;
    }
    this.#drive(on, by);
  }

  state(): RelayState {
    const error = this.#requestError ?? this.#writeError;
    return {
      index: this.index,
      name: this.#cfg.name,
      enabled: this.#cfg.enabled,
      mode: this.#cfg.mode,
      on: this.#on,
      changedAt: this.#changedAt,
      ...(error ? { error } : {}),
    };
  }

  /** Drives the line inactive (whatever we believe its state is) and releases it. */
  async shutdown(by: string): Promise<void> {
    this.#cancelTimers();
    if (this.#lines) {
      this.#drive(false, by);
      const lines = this.#lines;
      this.#lines = undefined;
      await lines.release();
    }
  }

  #usable(): void {
    if (!this.#cfg.enabled) throw new Error(`relay ${this.index + 1} (${this.#cfg.name}) is disabled`);
    if (this.#requestError) throw new Error(`relay ${this.index + 1} (${this.#cfg.name}): ${this.#requestError}`);
  }

  #energize(by: string): void {
    this.#armEnd(by); // first: the pulse ends whatever happens next
    this.#drive(true, by);
  }

  #armEnd(by: string): void {
    const { clock } = this.#deps;
    clock.clearTimeout(this.#endTimer);
    this.#endTimer = clock.setTimeout(
      () => {
        this.#endTimer = undefined;
        this.#off(by);
      },
      Math.max(0, this.#endAt - clock.monotonic()),
    );
  }

  #off(by: string): void {
    this.#cancelTimers();
    if (this.#on || this.#writeError) this.#drive(false, by);
  }

  #cancelTimers(): void {
    this.#deps.clock.clearTimeout(this.#startTimer);
    this.#deps.clock.clearTimeout(this.#endTimer);
    this.#startTimer = undefined;
    this.#endTimer = undefined;
    this.#endAt = 0;
  }

  /** Writes the line; a failure is recorded in the state and logged, never thrown. */
  #drive(on: boolean, by: string): void {
    const lines = this.#lines;
    if (!lines) return;
    const { line, name } = this.#cfg;
    try {
      lines.set(line, on);
      this.#writeError = undefined;
    } catch (err) {
      this.#writeError = errorMessage(err);
      this.#deps.log.error({ err, relay: name, line }, `relay ${name}: could not switch ${on ? 'on' : 'off'}`);
      if (on) {
        this.#cancelTimers();
        try {
          lines.set(line, false);
        } catch {
          // already reported
        }
      }
      return;
    }
    if (this.#on === on) return;
    this.#on = on;
    this.#changedAt = this.#deps.clock.now();
    this.#deps.log.info({ relay: name, line, on, by }, `relay ${name} ${on ? 'on' : 'off'}`);
    try {
      this.#deps.emit({ index: this.index, name, on, at: this.#changedAt, by });
    } catch (err) {
      this.#deps.log.error({ err, relay: name }, 'a relay.changed listener threw');
    }
  }
}
