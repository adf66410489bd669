/**
 * A budget of log lines: at most `max` in a window of `windowMs`; the lines over it are counted,
 * and the count is reported with the next line let through. baresip prints a warning for every
 * malformed SIP message, so a flood of garbage must not fill the device's log (nor slow the agent).
 */
import type { Clock } from '../../core/index.ts';

export class LogBudget {
  #clock: Clock;
  #max: number;
  #windowMs: number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;
  #dropped = 0;

  constructor(clock: Clock, opts: { max?: number; windowMs?: number } = {}) {
    this.#clock = clock;
    this.#max = opts.max ?? 20;
    this.#windowMs = opts.windowMs ?? 10_000;
  }

  /** May a line be logged now? `undefined`: no (it is counted); else how many were dropped before it. */
  take(): number | undefined {
    const now = this.#clock.monotonic();
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#used = 0;
    }
    if (this.#used >= this.#max) {
      this.#dropped++;
      return undefined;
    }
    this.#used++;
    const dropped = this.#dropped;
    this.#dropped = 0;
    return dropped;
  }
}
