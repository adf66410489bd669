/** Exponential backoff: min, doubling up to max; `reset()` after a success. */
export class Backoff {
  #attempt = 0;
  constructor(
    readonly minMs: number,
    readonly maxMs: number,
  ) {}

  /** The next delay, and one more attempt counted. */
  next(): number {
    const ms = Math.min(this.maxMs, this.minMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    return ms;
  }

  get attempts(): number {
    return this.#attempt;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
