/**
 * Runs jobs one at a time, in order. A job starts synchronously when nothing else runs, so a
 * command written by the first job leaves without waiting for a tick.
 */
export class Serial {
  #queue: (() => Promise<void>)[] = [];
  #running = false;

  run<T>(job: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push(async () => {
        try {
          resolve(await job());
        } catch (err) {
          reject(err);
        }
      });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#queue.length) await this.#queue.shift()!();
    this.#running = false;
  }
}
