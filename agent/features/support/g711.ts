/** G.711 decoding (ITU-T G.711): µ-law (RTP payload type 0) and A-law (type 8) to 16-bit PCM. */
function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

const ULAW = Int16Array.from({ length: 256 }, (_, i) => ulawToLinear(i));
const ALAW = Int16Array.from({ length: 256 }, (_, i) => alawToLinear(i));

export const PCMU = 0;
export const PCMA = 8;

/** Decodes a G.711 payload; undefined for other payload types. */
export function decodeG711(payloadType: number, payload: Uint8Array): Int16Array | undefined {
  const table = payloadType === PCMU ? ULAW : payloadType === PCMA ? ALAW : undefined;
  if (!table) return undefined;
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]!]!;
  return out;
}
