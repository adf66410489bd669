/**
 * Netstring framing (`<length>:<bytes>,`) as ctrl_tcp speaks it. The decoder takes the stream in
 * chunks of any size: a frame may be split over chunks, and one chunk may hold several frames.
 */

/** Largest frame accepted; a longer length prefix means the stream is corrupt. */
export const MAX_FRAME_BYTES = 1 << 20;

export function encodeNetstring(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body, Buffer.from(',', 'ascii')]);
}

export class NetstringError extends Error {}

export class NetstringDecoder {
  #buf: Buffer = Buffer.alloc(0);

  /** Bytes received but not yet a whole frame. */
  get pending(): number {
    return this.#buf.length;
  }

  /** Adds a chunk and returns the payloads of the frames it completed, in order. Throws on a corrupt stream. */
  push(chunk: Buffer): string[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: string[] = [];
    let pos = 0;
    for (;;) {
      const colon = this.#buf.indexOf(0x3a, pos);
      if (colon < 0) {
        this.#checkPrefix(pos, this.#buf.length);
        break;
      }
      this.#checkPrefix(pos, colon);
      if (colon === pos) throw new NetstringError('netstring without a length');
      const len = Number(this.#buf.toString('ascii', pos, colon));
      if (len > MAX_FRAME_BYTES) throw new NetstringError(`netstring of ${len} bytes is too long`);
      const end = colon + 1 + len;
      if (this.#buf.length < end + 1) break;
      if (this.#buf[end] !== 0x2c) throw new NetstringError('netstring not terminated by a comma');
      out.push(this.#buf.toString('utf8', colon + 1, end));
      pos = end + 1;
    }
    this.#buf = pos === 0 ? this.#buf : this.#buf.subarray(pos);
    return out;
  }

  /** The length prefix must be digits only, and not absurdly long. */
  #checkPrefix(from: number, to: number): void {
    if (to - from > 8) throw new NetstringError('netstring length prefix is too long');
    for (let i = from; i < to; i++) {
      const c = this.#buf[i]!;
      if (c < 0x30 || c > 0x39) throw new NetstringError(`unexpected byte 0x${c.toString(16)} in a netstring length`);
    }
  }
}
