/**
 * Reconnect delays: exponential backoff with full jitter (a random delay between 0 and
 * min(cap, base * 2^attempt)), so a fleet coming back after a broker outage spreads its attempts
 * instead of hammering the broker in lock-step. `reset()` when a link has held for a while.
 */
export type BackoffOptions = { baseMs?: number; capMs?: number; random?: () => number };

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 120_000;

export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  #random: () => number;
  #attempt = 0;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? BACKOFF_BASE_MS;
    this.capMs = opts.capMs ?? BACKOFF_CAP_MS;
    this.#random = opts.random ?? Math.random;
  }

  /** Failed attempts since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The ceiling of the next delay: min(cap, base * 2^attempt). */
  ceiling(): number {
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.#attempt, 30));
  }

  /** The delay before the next attempt, and counts it. */
  next(): number {
    const delay = Math.floor(this.#random() * this.ceiling());
    this.#attempt++;
    return delay;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
