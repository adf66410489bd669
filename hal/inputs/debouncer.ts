/**
 * Debounce of one input: a new level counts only once the line has stayed at it for `ms`
 * (a burst of bounces gives one change, a glitch shorter than `ms` gives none). With ms = 0 every
 * edge counts at once. The level is read back from the line when it settles (edges can be lost or
 * coalesced by the kernel); the timestamp is the kernel's timestamp of the last edge.
 */
import type { Clock, TimerHandle } from '../../core/index.ts';
import type { LineEdge } from '../types.ts';

export type DebouncerDeps = {
  clock: Clock;
  /** Current level of the line, or undefined if it cannot be read. */
  read: () => boolean | undefined;
  commit: (active: boolean, timestampMs: number) => void;
};

export class Debouncer {
  /** The level last committed. */
  stable: boolean;
  ms: number;
  #deps: DebouncerDeps;
  #timer: TimerHandle | undefined;
  #last: LineEdge | undefined;

  constructor(initial: boolean, ms: number, deps: DebouncerDeps) {
    this.stable = initial;
    this.ms = ms;
    this.#deps = deps;
  }

  edge(e: LineEdge): void {
    if (this.ms <= 0) {
      this.#settleAt(e.active, e.timestampMs);
      return;
    }
    this.#last = e;
    this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = this.#deps.clock.setTimeout(() => this.#settle(), this.ms);
  }

  cancel(): void {
    this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #settle(): void {
    this.#timer = undefined;
    const last = this.#last;
    if (!last) return;
    this.#settleAt(this.#deps.read() ?? last.active, last.timestampMs);
  }

  #settleAt(active: boolean, timestampMs: number): void {
    if (active === this.stable) return;
    this.stable = active;
    this.#deps.commit(active, timestampMs);
  }
}
