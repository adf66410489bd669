/**
 * Rate limit of login and setup attempts, per client address: after 10 failures in a row the
 * address is locked out for 5 minutes, doubling with each further lockout up to an hour.
 *
 * An attempt counts as a failure as soon as it starts (`attempt()`), before its password hash is
 * verified, and a success takes it back (`success()` resets the address): a burst of concurrent
 * attempts cannot all pass the check while their hashes are computed. The state is kept in the
 * data dir (`web/login-limiter.json`, written atomically, mode 0600) so that a restart of the
 * agent does not forget a lockout.
 */
import { join } from 'node:path';
import type { Clock } from '../../core/index.ts';
import { readJson, writeJson } from './json-file.ts';

export const MAX_FAILURES = 10;
const BASE_LOCK_MS = 5 * 60_000;
const MAX_LOCK_MS = 3600_000;
/** Failures older than this are forgotten. */
const WINDOW_MS = 15 * 60_000;
const MAX_TRACKED = 4096;

type Entry = { failures: number; lastFailure: number; lockedUntil: number; lockouts: number };
type File = { version: 1; entries: [string, Entry][] };

/** An attempt may go on (`left`: attempts left after this one, 0 = this was the last) or is refused. */
export type Attempt = { ok: true; left: number } | { ok: false; lockedMs: number };

export class LoginLimiter {
  /** Where the state is kept; undefined = in memory only. */
  readonly file: string | undefined;
  #clock: Clock;
  #entries = new Map<string, Entry>();
  #dirty = false;
  #writing: Promise<void> | undefined;
  #writeError: unknown;

  constructor(opts: { clock: Clock; dataDir?: string }) {
    this.#clock = opts.clock;
    this.file = opts.dataDir === undefined ? undefined : join(opts.dataDir, 'web', 'login-limiter.json');
  }

  /** Reads the state kept by the last run (addresses with nothing left to remember are dropped). */
  async load(): Promise<void> {
    if (!this.file) return;
    const d = await readJson<File>(this.file);
    const now = this.#clock.now();
    this.#entries = new Map(
      (Array.isArray(d?.entries) ? d.entries : []).filter(
        ([addr, e]) => typeof addr === 'string' && validEntry(e) && !(expired(e, now) && e.lockouts === 0),
      ),
    );
  }

  /** Milliseconds the address must still wait, or 0. */
  lockedFor(addr: string): number {
    const e = this.#entries.get(addr);
    return e ? Math.max(0, e.lockedUntil - this.#clock.now()) : 0;
  }

  /**
   * Starts an attempt: refused while the address is locked; otherwise counted as a failure at
   * once (the 10th locks the address), until `success()` takes it back.
   */
  attempt(addr: string): Attempt {
    const lockedMs = this.lockedFor(addr);
    if (lockedMs > 0) return { ok: false, lockedMs };
    return { ok: true, left: this.failure(addr) };
  }

  /** Records a failure; returns the attempts left before a lockout (0 = now locked). */
  failure(addr: string): number {
    const now = this.#clock.now();
    let e = this.#entries.get(addr);
    if (!e || expired(e, now)) e = { failures: 0, lastFailure: now, lockedUntil: 0, lockouts: e?.lockouts ?? 0 };
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
    this.#save();
    return e.lockedUntil > now ? 0 : MAX_FAILURES - e.failures;
  }

  /** A success: the address starts afresh. */
  success(addr: string): void {
    if (this.#entries.delete(addr)) this.#save();
  }

  /** Resolves once the state in memory is on disk (rejects if the last write failed). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
    if (this.#writeError) {
      const err = this.#writeError;
      this.#writeError = undefined;
      throw err;
    }
  }

  /** Writes are coalesced: one at a time, the newest state last. */
  #save(): void {
    if (!this.file) return;
    this.#dirty = true;
    this.#writing ??= this.#drain(this.file);
  }

  async #drain(file: string): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        const data: File = { version: 1, entries: [...this.#entries] };
        await writeJson(file, data);
      }
    } catch (err) {
      this.#writeError = err;
    } finally {
      this.#writing = undefined;
    }
  }
}

/** A lockout that is over and failures outside the window count no more. */
function expired(e: Entry, now: number): boolean {
  return now - e.lastFailure > WINDOW_MS && e.lockedUntil <= now;
}

function validEntry(e: unknown): e is Entry {
  const x = e as Entry;
  return (
    typeof x === 'object' &&
    x !== null &&
    [x.failures, x.lastFailure, x.lockedUntil, x.lockouts].every((n) => typeof n === 'number' && Number.isFinite(n))
  );
}
