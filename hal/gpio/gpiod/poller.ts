/**
 * Waits for edge events on every input request of a driver with one poll(2) on a worker thread,
 * so that the event loop never blocks and one thread serves every chip. An eventfd wakes the poll
 * when the set of watched descriptors changes or the poller closes.
 *
 * A descriptor in an in-flight poll keeps its file (and so its line request) alive in the kernel:
 * `unwatch` resolves only once the poll that might hold it has returned; close the fd after that.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Libc } from './libc.ts';

const POLLIN = 0x1;
const POLLERR = 0x8;
const POLLHUP = 0x10;
const POLLNVAL = 0x20;
export const POLL_FAILED = POLLERR | POLLHUP | POLLNVAL;

export class EdgePoller {
  #libc: Libc;
  #wake: number;
  #watched = new Map<number, (revents: number) => void>();
  #inflight: Promise<unknown> | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;
  #onError: (err: unknown) => void;

  constructor(libc: Libc, onError: (err: unknown) => void) {
    this.#libc = libc;
    this.#wake = libc.eventfd();
    this.#onError = onError;
  }

  /** Calls `onReady(revents)` each time `fd` is readable (or failed). */
  watch(fd: number, onReady: (revents: number) => void): void {
    if (this.#closed) throw new Error('the edge poller is closed');
    this.#watched.set(fd, onReady);
    this.#kick();
  }

  /** Stops watching `fd`; resolves when no poll holds it any more. */
  async unwatch(fd: number): Promise<void> {
    this.#watched.delete(fd);
    await this.#settle();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watched.clear();
    await this.#settle();
    await this.#loop;
    this.#libc.close(this.#wake);
  }

  async #settle(): Promise<void> {
    const inflight = this.#inflight;
    if (!inflight) return;
    this.#signal();
    await inflight;
  }

  #signal(): void {
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    this.#libc.write(this.#wake, one);
  }

  #kick(): void {
    if (this.#loop) this.#signal();
    else
      this.#loop = this.#run().finally(() => {
        this.#loop = undefined;
      });
  }

  async #run(): Promise<void> {
    while (!this.#closed && this.#watched.size > 0) {
      const fds = [this.#wake, ...this.#watched.keys()];
      const buf = Buffer.alloc(8 * fds.length);
      fds.forEach((fd, i) => {
        buf.writeInt32LE(fd, i * 8);
        buf.writeInt16LE(POLLIN, i * 8 + 4);
      });
      const call = this.#libc.pollAsync(buf, fds.length, -1);
      this.#inflight = call.catch(() => undefined);
      let ready: number;
      try {
        ready = await call;
      } catch (err) {
        this.#onError(err);
        await delay(100); // never spin on a failing poll
        ready = 0;
      } finally {
        this.#inflight = undefined;
      }
      if (ready <= 0) continue; // EINTR or an error reported above: poll again
      if (buf.readInt16LE(6) & POLLIN) {
        try {
          this.#libc.read(this.#wake, Buffer.alloc(8));
        } catch {
          // EAGAIN: already drained
        }
      }
      for (let i = 1; i < fds.length; i++) {
        const revents = buf.readInt16LE(i * 8 + 6);
        const handler = this.#watched.get(fds[i] as number);
        if (revents === 0 || !handler) continue;
        if (revents & POLL_FAILED) this.#watched.delete(fds[i] as number);
        try {
          handler(revents);
        } catch (err) {
          this.#onError(err);
        }
      }
    }
  }
}
