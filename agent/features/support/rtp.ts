/** RTP (RFC 3550) packet parsing, enough for receiving G.711 pages. */
export type RtpPacket = {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
};

/** Parses one RTP packet; returns undefined for anything that is not RTP version 2. */
export function parseRtp(b: Buffer): RtpPacket | undefined {
  if (b.length < 12 || b[0]! >> 6 !== 2) return undefined;
  const padding = (b[0]! & 0x20) !== 0;
  const extension = (b[0]! & 0x10) !== 0;
  const csrcCount = b[0]! & 0x0f;
  let offset = 12 + 4 * csrcCount;
  if (extension) {
    if (b.length < offset + 4) return undefined;
    offset += 4 + 4 * b.readUInt16BE(offset + 2);
  }
  let end = b.length;
  if (padding) end -= b[b.length - 1]!;
  if (offset > end) return undefined;
  return {
    payloadType: b[1]! & 0x7f,
    marker: (b[1]! & 0x80) !== 0,
    sequence: b.readUInt16BE(2),
    timestamp: b.readUInt32BE(4),
    ssrc: b.readUInt32BE(8),
    payload: b.subarray(offset, end),
  };
}
