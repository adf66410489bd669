/**
 * The `gpiod` GPIO driver: the Linux GPIO character device, uAPI v2. Lines are found by name across
 * chips; the lines of one call on one chip form one kernel line request (all inputs of a chip share
 * one request and one file descriptor); edges arrive with the kernel's CLOCK_MONOTONIC timestamp.
 */
import type { Logger } from '../../../core/index.ts';
import {
  type GpioDriver,
  HalLineError,
  type InputLines,
  type InputRequest,
  type LineEdge,
  type OutputLines,
  type OutputRequest,
} from '../../types.ts';
import { type FoundLine, findLines } from './chips.ts';
import { type Libc, SyscallError } from './libc.ts';
import { EdgePoller, POLL_FAILED } from './poller.ts';
import {
  decodeLineEvents,
  decodeLineRequestFd,
  decodeLineValuesBits,
  encodeLineRequest,
  encodeLineValues,
  FLAG,
  IOCTL,
  SIZE,
} from './uapi.ts';

/** A granted kernel request: its fd, and its lines by index (names[i] sits at chip offset offsets[i]). */
type KernelRequest = { fd: number; chip: string; names: string[]; offsets: number[] };
type Where = { req: KernelRequest; bit: bigint };

export type GpiodOptions = { libc: Libc; log: Logger; devDir?: string };

export class GpiodDriver implements GpioDriver {
  readonly name = 'gpiod' as const;
  #libc: Libc;
  #log: Logger;
  #devDir: string;
  #poller: EdgePoller;
  #open = new Set<{ release(): Promise<void> }>();

  constructor(opts: GpiodOptions) {
    this.#libc = opts.libc;
    this.#log = opts.log;
    this.#devDir = opts.devDir ?? '/dev';
    this.#poller = new EdgePoller(opts.libc, (err) => this.#log.error({ err }, 'waiting for GPIO edges failed'));
  }

  async requestOutputs(lines: OutputRequest[], consumer: string): Promise<OutputLines> {
    const reqs = this.#request(lines, consumer, FLAG.OUTPUT);
    const where = index(reqs);
    const libc = this.#libc;
    let released = false;
    const locate = (line: string): Where => {
      const w = where.get(line);
      if (!w || released)
        throw new HalLineError(line, released ? 'request already released' : 'not part of this request');
      return w;
    };
    const handle = {
      set(line: string, active: boolean) {
        const { req, bit } = locate(line);
        try {
          libc.ioctl(req.fd, IOCTL.SET_VALUES, encodeLineValues(active ? bit : 0n, bit));
        } catch (err) {
          throw lineError(line, 'could not be set', err);
        }
      },
      get(line: string) {
        const { req, bit } = locate(line);
        return readValue(libc, req, bit, line);
      },
      release: async () => {
        if (released) return;
        released = true;
        this.#open.delete(handle);
        for (const r of reqs) libc.close(r.fd);
      },
    };
    this.#open.add(handle);
    return handle;
  }

  async requestInputs(lines: InputRequest[], consumer: string): Promise<InputLines> {
    const reqs = this.#request(lines, consumer, FLAG.INPUT | FLAG.EDGE_RISING | FLAG.EDGE_FALLING);
    const where = index(reqs);
    const libc = this.#libc;
    const listeners = new Set<(e: LineEdge) => void>();
    let released = false;
    const events = Buffer.alloc(SIZE.lineEvent * 64);
    for (const req of reqs) {
      const offsets = new Map(req.offsets.map((o, i) => [o, req.names[i] as string]));
      this.#poller.watch(req.fd, (revents) => {
        if (revents & POLL_FAILED) {
          this.#log.error(
            { chip: req.chip, lines: req.names },
            'GPIO line request failed: no more edges from these lines',
          );
          return;
        }
        let n: number;
        try {
          n = libc.read(req.fd, events);
        } catch (err) {
          if ((err as { code?: string }).code !== 'EAGAIN')
            this.#log.error({ err, lines: req.names }, 'reading GPIO edges failed');
          return;
        }
        for (const ev of decodeLineEvents(events, n)) {
          const line = offsets.get(ev.offset);
          if (!line) continue;
          const edge: LineEdge = { line, active: ev.rising, timestampMs: Number(ev.timestampNs) / 1e6 };
          for (const l of [...listeners]) l(edge);
        }
      });
    }
    const handle = {
      get(line: string) {
        const w = where.get(line);
        if (!w || released) throw new HalLineError(line, 'not part of this request');
        return readValue(libc, w.req, w.bit, line);
      },
      onEdge(listener: (e: LineEdge) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      release: async () => {
        if (released) return;
        released = true;
        listeners.clear();
        this.#open.delete(handle);
        for (const r of reqs) await this.#poller.unwatch(r.fd);
        for (const r of reqs) libc.close(r.fd);
      },
    };
    this.#open.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    for (const h of [...this.#open]) await h.release();
    await this.#poller.close();
  }

  /** One kernel request per chip; on any failure nothing stays requested. */
  #request(lines: { line: string; activeLow: boolean }[], consumer: string, flags: bigint): KernelRequest[] {
    const seen = new Set<string>();
    for (const { line } of lines) {
      if (seen.has(line)) throw new HalLineError(line, 'requested twice');
      seen.add(line);
    }
    const found = findLines(
      this.#libc,
      this.#devDir,
      lines.map((l) => l.line),
    );
    const byChip = new Map<string, { found: FoundLine; activeLow: boolean }[]>();
    found.forEach((f, i) => {
      const list = byChip.get(f.chip) ?? [];
      list.push({ found: f, activeLow: (lines[i] as { activeLow: boolean }).activeLow });
      byChip.set(f.chip, list);
    });
    const done: KernelRequest[] = [];
    try {
      for (const [chip, group] of byChip) {
        const buf = encodeLineRequest({
          offsets: group.map((g) => g.found.offset),
          consumer,
          flags,
          activeLow: group.flatMap((g, i) => (g.activeLow ? [i] : [])),
        });
        const chipFd = this.#libc.open(chip);
        try {
          this.#libc.ioctl(chipFd, IOCTL.GET_LINE, buf);
        } catch (err) {
          const first = (group[0] as { found: FoundLine }).found.name;
          const busy = err instanceof SyscallError && err.code === 'EBUSY';
          throw lineError(first, busy ? 'busy' : `could not be requested on ${chip}`, err);
        } finally {
          this.#libc.close(chipFd);
        }
        done.push({
          fd: decodeLineRequestFd(buf),
          chip,
          names: group.map((g) => g.found.name),
          offsets: group.map((g) => g.found.offset),
        });
      }
    } catch (err) {
      for (const r of done) this.#libc.close(r.fd);
      throw err;
    }
    return done;
  }
}

/** Where each line sits: its request, and its bit in that request's value words. */
function index(reqs: KernelRequest[]): Map<string, Where> {
  const m = new Map<string, Where>();
  for (const req of reqs) {
    req.names.forEach((n, i) => {
      m.set(n, { req, bit: 1n << BigInt(i) });
    });
  }
  return m;
}

function readValue(libc: Libc, req: KernelRequest, bit: bigint, line: string): boolean {
  const buf = encodeLineValues(0n, bit);
  try {
    libc.ioctl(req.fd, IOCTL.GET_VALUES, buf);
  } catch (err) {
    throw lineError(line, 'could not be read', err);
  }
  return (decodeLineValuesBits(buf) & bit) !== 0n;
}

function lineError(line: string, what: string, err: unknown): HalLineError {
  const detail = err instanceof SyscallError ? err.code : err instanceof Error ? err.message : String(err);
  return new HalLineError(line, `${what} (${detail})`);
}
