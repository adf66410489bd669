/**
 * How often the SIP engine may restart baresip because its SIP trace was lost (trace-recovery.ts).
 * One crafted datagram loses the trace, so whoever can send one must not be able to make the door
 * restart its SIP engine at will: the first restart may come at once; each one after it waits at
 * least `minGapMs` after the one before, the wait doubling with each restart up to `maxGapMs`; once
 * no such restart happened for `quietMs`, the next may come at once again. Pure: times are given.
 */

export type RestartPacing = {
  /** The shortest time between two restarts (default 1 min). */
  minGapMs: number;
  /** The longest (default 30 min): the gap doubles from min up to this. */
  maxGapMs: number;
  /** After this long without a restart the pacing starts again from nothing (default 1 h). */
  quietMs: number;
};

export const DEFAULT_RESTART_PACING: RestartPacing = {
  minGapMs: 60_000,
  maxGapMs: 30 * 60_000,
  quietMs: 60 * 60_000,
};

export class RestartPacer {
  readonly pacing: RestartPacing;
  /** When the last restart was (monotonic ms), if any. */
  #last: number | undefined;
  /** The gap that must follow the last restart. */
  #gap = 0;

  constructor(pacing: RestartPacing = DEFAULT_RESTART_PACING) {
    const { minGapMs, maxGapMs, quietMs } = pacing;
    if (!(minGapMs > 0)) throw new Error(`restart pacing: minGapMs must be above 0 (it is ${minGapMs})`);
    if (!(maxGapMs >= minGapMs))
      throw new Error(`restart pacing: maxGapMs (${maxGapMs}) must be at least minGapMs (${minGapMs})`);
    if (!(quietMs >= maxGapMs))
      throw new Error(`restart pacing: quietMs (${quietMs}) must be at least maxGapMs (${maxGapMs})`);
    this.pacing = { minGapMs, maxGapMs, quietMs };
  }

  /** The shortest time between the last restart and the next one (0 before the first). */
  get gapMs(): number {
    return this.#gap;
  }

  /** How long from `now` until a restart is allowed (0: at once). */
  wait(now: number): number {
    if (this.#quiet(now)) return 0;
    return Math.max(0, this.#last! + this.#gap - now);
  }

  /** A restart happens at `now`: the next one waits min (after a quiet period), else twice as long as this one did. */
  restarted(now: number): void {
    this.#gap = this.#quiet(now) ? this.pacing.minGapMs : Math.min(this.pacing.maxGapMs, this.#gap * 2);
    this.#last = now;
  }

  #quiet(now: number): boolean {
    return this.#last === undefined || now - this.#last >= this.pacing.quietMs;
  }
}
