/**
 * Rate limit of login and setup attempts, per client address: after 10 failures in a row the
 * address is locked out for 5 minutes, doubling with each further lockout up to an hour.
 * A success resets the count (it is not even tried while locked).
 */
import type { Clock } from '../../core/index.ts';

export const MAX_FAILURES = 10;
const BASE_LOCK_MS = 5 * 60_000;
const MAX_LOCK_MS = 3600_000;
/** Failures older than this are forgotten. */
const WINDOW_MS = 15 * 60_000;
const MAX_TRACKED = 4096;

type Entry = { failures: number; lastFailure: number; lockedUntil: number; lockouts: number };

export class LoginLimiter {
  #clock: Clock;
  #entries = new Map<string, Entry>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Milliseconds the address must still wait, or 0. */
  lockedFor(addr: string): number {
    const e = this.#entries.get(addr);
    return e ? Math.max(0, e.lockedUntil - this.#clock.now()) : 0;
  }

  /** Records a failure; returns the attempts left before a lockout (0 = now locked). */
  failure(addr: string): number {
    const now = this.#clock.now();
    let e = this.#entries.get(addr);
    if (!e || (now - e.lastFailure > WINDOW_MS && e.lockedUntil <= now))
      e = { failures: 0, lastFailure: now, lockedUntil: 0, lockouts: e?.lockouts ?? 0 };
    e.failures++;
    e.lastFailure = now;
    if (e.failures >= MAX_FAILURES) {
      e.lockedUntil = now + Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** e.lockouts);
      e.lockouts++;
      e.failures = 0;
    }
    this.#entries.delete(addr);
    this.#entries.set(addr, e);
    if (this.#entries.size > MAX_TRACKED) this.#entries.delete(this.#entries.keys().next().value!);
    return e.lockedUntil > now ? 0 : MAX_FAILURES - e.failures;
  }

  success(addr: string): void {
    this.#entries.delete(addr);
  }
}
