/**
 * A minimal SIP caller over UDP (127.0.0.1 unless told), written by hand so that every datagram's time is known:
 * INVITE with an SDP offer (PCMU + telephone-event), the replies stamped as they arrive, ACK, BYE,
 * and RTP sent from its own socket to the address of the SDP answer (audio frames, RFC 4733 events).
 *
 *   const c = await UdpCaller.start();
 *   const call = c.invite('sip:portier@127.0.0.1:5070');
 *   const ok = await call.final;            // { code: 200, at, sdp }
 *   call.ack(); await call.sendDtmf('#', { packets: 3 }); await call.bye();
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

export type Reply = { code: number; at: number; text: string; sdp: string };

export type OutCall = {
  callId: string;
  /** When the INVITE was handed to the socket (performance.now()). */
  sentAt: number;
  /** The first provisional reply other than 100, if any came. */
  ringing: Promise<Reply>;
  /** The final reply (2xx-6xx); non-2xx are ACKed here. */
  final: Promise<Reply>;
  /** The callee's RTP address from the SDP answer (after `final`). */
  media(): { host: string; port: number } | undefined;
  ack(): void;
  bye(): Promise<Reply>;
  /** Sends one RTP packet (payload type, payload bytes, marker bit); the sequence number and SSRC are the call's. */
  rtp(pt: number, payload: Buffer, opts?: { marker?: boolean; ts?: number; sameSeq?: boolean }): number;
  /**
   * One DTMF digit as RFC 4733 events: `packets` packets 20 ms apart, the last `endCopies` with the
   * E bit (its retransmissions, sent back to back with the same sequence number, as real senders do).
   * Resolves with the time of the first.
   */
  sendDtmf(digit: string, opts?: { packets?: number; endCopies?: number; gapMs?: number }): Promise<number>;
  /** `n` PCMU frames of silence, 20 ms apart. */
  sendAudio(n: number): Promise<void>;
};

const DTMF_EVENTS = '0123456789*#ABCD';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class UdpCaller {
  readonly host: string;
  readonly port: number;
  readonly rtpPort: number;
  #sip: Socket;
  #rtp: Socket;
  #calls = new Map<string, (text: string, at: number) => void>();
  #cseq = 1;

  private constructor(sip: Socket, rtp: Socket, host: string) {
    this.#sip = sip;
    this.#rtp = rtp;
    this.host = host;
    this.port = sip.address().port;
    this.rtpPort = rtp.address().port;
    sip.on('message', (msg) => this.#message(msg.toString('latin1')));
    rtp.on('message', () => {});
  }

  /** `host`: the IPv4 address it binds and puts in its headers (default 127.0.0.1). */
  static async start(opts: { host?: string } = {}): Promise<UdpCaller> {
    const host = opts.host ?? '127.0.0.1';
    const bind = async () => {
      const s = createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(0, host, () => resolve()));
      return s;
    };
    return new UdpCaller(await bind(), await bind(), host);
  }

  get uri(): string {
    return `sip:caller@${this.host}:${this.port}`;
  }

  close(): void {
    this.#sip.close();
    this.#rtp.close();
  }

  /** `mediaAddress`: the address put in the SDP offer (an IPv6 one gives `c=IN IP6`, as linphonec may offer). */
  invite(target: string, opts: { mediaAddress?: string } = {}): OutCall {
    const callId = randomBytes(8).toString('hex');
    const fromTag = randomBytes(4).toString('hex');
    const branch = () => `z9hG4bK${randomBytes(6).toString('hex')}`;
    const [hostPort] = target.replace(/^sip:[^@]*@/, '').split(';');
    const [host, port] = [hostPort!.split(':')[0]!, Number(hostPort!.split(':')[1] ?? 5060)];
    const cseq = this.#cseq++;
    const inviteBranch = branch();
    let toHeader = `<${target}>`;
    let answer = '';
    let seq = Math.floor(Math.random() * 1000);
    let ts = Math.floor(Math.random() * 100000);
    const ssrc = randomBytes(4).readUInt32BE();
    let resolveRinging!: (r: Reply) => void;
    let resolveFinal!: (r: Reply) => void;
    const ringing = new Promise<Reply>((r) => {
      resolveRinging = r;
    });
    const final = new Promise<Reply>((r) => {
      resolveFinal = r;
    });
    const byeWaiters: ((r: Reply) => void)[] = [];
    const mediaAddress = opts.mediaAddress ?? this.host;
    const ipv = mediaAddress.includes(':') ? 'IP6' : 'IP4';
    const sdp = [
      'v=0',
      `o=caller ${cseq} ${cseq} IN ${ipv} ${mediaAddress}`,
      's=-',
      `c=IN ${ipv} ${mediaAddress}`,
      't=0 0',
      `m=audio ${this.rtpPort} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
    const request = (method: string, n: number, br: string, body = '') =>
      [
        `${method} ${target} SIP/2.0`,
        `Via: SIP/2.0/UDP ${this.host}:${this.port};branch=${br};rport`,
        'Max-Forwards: 70',
        `From: <${this.uri}>;tag=${fromTag}`,
        `To: ${toHeader}`,
        `Call-ID: ${callId}`,
        `CSeq: ${n} ${method}`,
        `Contact: <${this.uri}>`,
        ...(body ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n');
    const send = (text: string) => this.#sip.send(text, port, host);
    let gotFinal = false;
    this.#calls.set(callId, (text, at) => {
      const status = /^SIP\/2\.0 (\d{3})/.exec(text);
      if (!status) {
        // A request from the callee (BYE): answer 200.
        const method = text.split(' ')[0];
        const via = header(text, 'Via');
        send(
          [
            'SIP/2.0 200 OK',
            ...via.map((v) => `Via: ${v}`),
            `From: ${header(text, 'From')[0]}`,
            `To: ${header(text, 'To')[0]}`,
            `Call-ID: ${callId}`,
            `CSeq: ${header(text, 'CSeq')[0]}`,
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        );
        if (method === 'BYE') this.#calls.delete(callId);
        return;
      }
      const code = Number(status[1]);
      const body = text.split('\r\n\r\n').slice(1).join('\r\n\r\n');
      const reply: Reply = { code, at, text, sdp: body };
      const method = header(text, 'CSeq')[0]?.split(' ')[1];
      if (method === 'BYE') {
        byeWaiters.shift()?.(reply);
        return;
      }
      if (code === 100) return;
      if (code < 200) {
        resolveRinging(reply);
        return;
      }
      if (gotFinal) return; // retransmission
      gotFinal = true;
      toHeader = header(text, 'To')[0] ?? toHeader;
      if (code >= 300) {
        send(request('ACK', cseq, inviteBranch));
        this.#calls.delete(callId);
      } else answer = body;
      resolveFinal(reply);
    });
    const sentAt = performance.now();
    send(request('INVITE', cseq, inviteBranch, sdp));
    const call: OutCall = {
      callId,
      sentAt,
      ringing,
      final,
      media() {
        const c = /^c=IN IP4 (\S+)/m.exec(answer)?.[1];
        const m = /^m=audio (\d+)/m.exec(answer)?.[1];
        return c && m ? { host: c, port: Number(m) } : undefined;
      },
      ack: () => send(request('ACK', cseq, branch())),
      bye: () => {
        const p = new Promise<Reply>((r) => byeWaiters.push(r));
        send(request('BYE', this.#cseq++, branch()));
        return p;
      },
      rtp: (pt, payload, opts = {}) => {
        const m = call.media();
        if (!m) throw new Error('no media address in the SDP answer');
        const h = Buffer.alloc(12);
        h[0] = 0x80;
        h[1] = (opts.marker ? 0x80 : 0) | pt;
        if (opts.sameSeq) seq--;
        h.writeUInt16BE(seq++ & 0xffff, 2);
        h.writeUInt32BE((opts.ts ?? ts) >>> 0, 4);
        h.writeUInt32BE(ssrc, 8);
        const at = performance.now();
        this.#rtp.send(Buffer.concat([h, payload]), m.port, m.host);
        return at;
      },
      sendAudio: async (n) => {
        for (let i = 0; i < n; i++) {
          call.rtp(0, Buffer.alloc(160, 0xff));
          ts += 160;
          await sleep(20);
        }
      },
      sendDtmf: async (digit, opts = {}) => {
        const event = DTMF_EVENTS.indexOf(digit.toUpperCase());
        if (event < 0) throw new Error(`"${digit}" is not a DTMF digit`);
        const packets = opts.packets ?? 3;
        const endCopies = Math.min(opts.endCopies ?? 1, packets);
        const gap = opts.gapMs ?? 20;
        const start = ts;
        let first = 0;
        const firstEnd = packets - endCopies;
        for (let i = 0; i < packets; i++) {
          const end = i >= firstEnd;
          const duration = Math.min(i + 1, firstEnd + 1) * 160;
          const p = Buffer.alloc(4);
          p[0] = event;
          p[1] = (end ? 0x80 : 0) | 10; // E bit, volume -10 dBm0
          p.writeUInt16BE(duration, 2);
          const at = call.rtp(101, p, { marker: i === 0, ts: start, sameSeq: i > firstEnd });
          if (i === 0) first = at;
          if (i < firstEnd) await sleep(gap);
        }
        ts = start + (packets + 1) * 160;
        return first;
      },
    };
    return call;
  }

  #message(text: string): void {
    const at = performance.now();
    const callId = header(text, 'Call-ID')[0] ?? header(text, 'i')[0];
    if (callId) this.#calls.get(callId)?.(text, at);
  }
}

function header(text: string, name: string): string[] {
  const head = text.split('\r\n\r\n')[0]!;
  return head
    .split('\r\n')
    .slice(1)
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());
}
