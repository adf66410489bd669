/**
 * The Linux GPIO character device uAPI v2 (include/uapi/linux/gpio.h): ioctl numbers, flags and the
 * byte layout of the structs it exchanges, encoded and decoded with DataView (x86-64 and arm64 are
 * little-endian; sizes and offsets checked against the kernel header).
 */

export const GPIO_MAX_NAME_SIZE = 32;
export const GPIO_V2_LINES_MAX = 64;
const GPIO_V2_LINE_NUM_ATTRS_MAX = 10;

/** _IOC(dir, 0xB4, nr, size): dir 2 = read, 3 = read/write. */
const ioc = (dir: number, nr: number, size: number) => ((dir << 30) | (size << 16) | (0xb4 << 8) | nr) >>> 0;

export const SIZE = { chipInfo: 68, lineInfo: 256, lineRequest: 592, lineConfig: 272, lineValues: 16, lineEvent: 48 };

export const IOCTL = {
  GET_CHIPINFO: ioc(2, 0x01, SIZE.chipInfo),
  GET_LINEINFO: ioc(3, 0x05, SIZE.lineInfo),
  GET_LINE: ioc(3, 0x07, SIZE.lineRequest),
  GET_VALUES: ioc(3, 0x0e, SIZE.lineValues),
  SET_VALUES: ioc(3, 0x0f, SIZE.lineValues),
};

export const FLAG = {
  USED: 1n << 0n,
  ACTIVE_LOW: 1n << 1n,
  INPUT: 1n << 2n,
  OUTPUT: 1n << 3n,
  EDGE_RISING: 1n << 4n,
  EDGE_FALLING: 1n << 5n,
};

const ATTR_ID_FLAGS = 1;
const ATTR_ID_OUTPUT_VALUES = 2;

export const EVENT_RISING_EDGE = 1;

function readName(buf: Buffer, offset: number): string {
  const raw = buf.subarray(offset, offset + GPIO_MAX_NAME_SIZE);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

/** struct gpiochip_info */
export function decodeChipInfo(buf: Buffer): { name: string; label: string; lines: number } {
  return { name: readName(buf, 0), label: readName(buf, 32), lines: buf.readUInt32LE(64) };
}

/** struct gpio_v2_line_info: the request carries the offset; the reply name, consumer and flags. */
export function encodeLineInfoRequest(offset: number): Buffer {
  const buf = Buffer.alloc(SIZE.lineInfo);
  buf.writeUInt32LE(offset, 64);
  return buf;
}

export function decodeLineInfo(buf: Buffer): { name: string; consumer: string; offset: number; flags: bigint } {
  return {
    name: readName(buf, 0),
    consumer: readName(buf, 32),
    offset: buf.readUInt32LE(64),
    flags: buf.readBigUInt64LE(72),
  };
}

export type LineRequestSpec = {
  offsets: number[];
  consumer: string;
  /** Flags of every line. */
  flags: bigint;
  /** Indexes (into offsets) of the lines that are active-low. */
  activeLow: number[];
  /** Outputs: initial logical values, all inactive when absent. */
  outputValues?: boolean[];
};

const maskOf = (indexes: number[]) => indexes.reduce((m, i) => m | (1n << BigInt(i)), 0n);

/** struct gpio_v2_line_request, with the config as flags + attributes (active-low lines, output values). */
export function encodeLineRequest(spec: LineRequestSpec): Buffer {
  if (spec.offsets.length === 0 || spec.offsets.length > GPIO_V2_LINES_MAX) {
    throw new RangeError(`a line request takes 1 to ${GPIO_V2_LINES_MAX} lines`);
  }
  const buf = Buffer.alloc(SIZE.lineRequest);
  spec.offsets.forEach((o, i) => {
    buf.writeUInt32LE(o, i * 4);
  });
  buf.write(spec.consumer.slice(0, GPIO_MAX_NAME_SIZE - 1), 256, 'utf8');
  const cfg = 288;
  buf.writeBigUInt64LE(spec.flags, cfg);
  const attrs: { id: number; value: bigint; mask: bigint }[] = [];
  if (spec.activeLow.length > 0) {
    attrs.push({ id: ATTR_ID_FLAGS, value: spec.flags | FLAG.ACTIVE_LOW, mask: maskOf(spec.activeLow) });
  }
  if (spec.flags & FLAG.OUTPUT) {
    const on = (spec.outputValues ?? []).flatMap((v, i) => (v ? [i] : []));
    attrs.push({ id: ATTR_ID_OUTPUT_VALUES, value: maskOf(on), mask: maskOf(spec.offsets.map((_, i) => i)) });
  }
  if (attrs.length > GPIO_V2_LINE_NUM_ATTRS_MAX) throw new RangeError('too many line attributes');
  buf.writeUInt32LE(attrs.length, cfg + 8);
  attrs.forEach((a, i) => {
    const at = cfg + 32 + i * 24;
    buf.writeUInt32LE(a.id, at);
    buf.writeBigUInt64LE(a.value, at + 8);
    buf.writeBigUInt64LE(a.mask, at + 16);
  });
  buf.writeUInt32LE(spec.offsets.length, 560);
  return buf;
}

/** The file descriptor of the granted request. */
export function decodeLineRequestFd(buf: Buffer): number {
  return buf.readInt32LE(588);
}

/** struct gpio_v2_line_values: bit i is the line at index i of the request. */
export function encodeLineValues(bits: bigint, mask: bigint): Buffer {
  const buf = Buffer.alloc(SIZE.lineValues);
  buf.writeBigUInt64LE(bits, 0);
  buf.writeBigUInt64LE(mask, 8);
  return buf;
}

export function decodeLineValuesBits(buf: Buffer): bigint {
  return buf.readBigUInt64LE(0);
}

export type LineEvent = { timestampNs: bigint; rising: boolean; offset: number; seqno: number; lineSeqno: number };

/** A run of struct gpio_v2_line_event as read() returns them. */
export function decodeLineEvents(buf: Buffer, length: number): LineEvent[] {
  const out: LineEvent[] = [];
  for (let at = 0; at + SIZE.lineEvent <= length; at += SIZE.lineEvent) {
    out.push({
      timestampNs: buf.readBigUInt64LE(at),
      rising: buf.readUInt32LE(at + 8) === EVENT_RISING_EDGE,
      offset: buf.readUInt32LE(at + 12),
      seqno: buf.readUInt32LE(at + 16),
      lineSeqno: buf.readUInt32LE(at + 20),
    });
  }
  return out;
}
