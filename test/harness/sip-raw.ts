/**
 * A raw SIP sender over UDP on 127.0.0.1 (node dgram): sends any bytes, well-formed or not, and
 * keeps every datagram it gets back, to see what a SIP endpoint answered (`statuses()`).
 */
import { createSocket, type Socket } from 'node:dgram';

export class RawSip {
  readonly received: { at: number; data: Buffer }[] = [];
  #sock: Socket;
  port = 0;

  private constructor(sock: Socket) {
    this.#sock = sock;
    sock.on('message', (data) => this.received.push({ at: performance.now(), data }));
  }

  static async open(): Promise<RawSip> {
    const sock = createSocket('udp4');
    const raw = new RawSip(sock);
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => resolve());
    });
    raw.port = sock.address().port;
    return raw;
  }

  send(data: Buffer | string, port: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#sock.send(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, port, '127.0.0.1', (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }

  /** Status lines received so far ("SIP/2.0 486 Rejected"), optionally of one Call-ID. */
  statuses(callId?: string | Buffer): string[] {
    const want = callId === undefined ? undefined : Buffer.from(callId);
    return this.received
      .filter((r) => !want || headerValue(r.data, 'Call-ID')?.equals(want))
      .map((r) => r.data.toString('latin1').split('\r\n')[0]!)
      .filter((l) => l.startsWith('SIP/2.0 '));
  }

  close(): void {
    this.#sock.close();
  }
}

/** The raw bytes of a header's value (first occurrence), or undefined. */
function headerValue(msg: Buffer, name: string): Buffer | undefined {
  const text = msg.toString('latin1');
  const re = new RegExp(`\r\n${name}:[ \t]*`, 'i');
  const m = re.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  const end = text.indexOf('\r\n', start);
  return msg.subarray(start, end < 0 ? undefined : end);
}

/** An INVITE with an SDP offer (PCMU) to `user@127.0.0.1:port`; the Call-ID is taken as bytes. */
export function invite(opts: { port: number; from: number; callId: Buffer | string; user?: string; tag?: string }) {
  const user = opts.user ?? 'portier';
  const tag = opts.tag ?? Math.random().toString(36).slice(2, 10);
  const sdp = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    'm=audio 9 RTP/AVP 0',
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');
  const head = (s: string) => Buffer.from(s, 'latin1');
  return Buffer.concat([
    head(
      `INVITE sip:${user}@127.0.0.1:${opts.port} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP 127.0.0.1:${opts.from};branch=z9hG4bK${tag}\r\n` +
        'Max-Forwards: 70\r\n' +
        `From: <sip:raw@127.0.0.1:${opts.from}>;tag=${tag}\r\n` +
        `To: <sip:${user}@127.0.0.1:${opts.port}>\r\n` +
        'Call-ID: ',
    ),
    typeof opts.callId === 'string' ? head(opts.callId) : opts.callId,
    head(
      '\r\nCSeq: 1 INVITE\r\n' +
        `Contact: <sip:raw@127.0.0.1:${opts.from}>\r\n` +
        'Content-Type: application/sdp\r\n' +
        `Content-Length: ${sdp.length}\r\n\r\n${sdp}`,
    ),
  ]);
}
