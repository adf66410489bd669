/**
 * A minimal SIP endpoint on UDP 127.0.0.1 that notes when each INVITE arrives and refuses it at once
 * (486 by default): the far end of latency measurements, where only the INVITE's arrival matters.
 */
import { createSocket, type Socket } from 'node:dgram';

export type Arrival = { callId: string; at: number };

export class SipSink {
  readonly arrivals: Arrival[] = [];
  #sock: Socket;
  #waiters: ((a: Arrival) => void)[] = [];
  port = 0;

  private constructor(
    sock: Socket,
    readonly code: number,
  ) {
    this.#sock = sock;
    sock.on('message', (msg, rinfo) => this.#message(msg.toString('utf8'), rinfo.address, rinfo.port));
  }

  static async start(code = 486): Promise<SipSink> {
    const sock = createSocket('udp4');
    const sink = new SipSink(sock, code);
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
    sink.port = sock.address().port;
    return sink;
  }

  /** The next INVITE to arrive. */
  next(): Promise<Arrival> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.#sock.close();
  }

  #message(text: string, address: string, port: number): void {
    const at = performance.now();
    if (!text.startsWith('INVITE ')) return;
    const header = (name: string) =>
      text
        .split('\r\n')
        .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
        .map((l) => l.slice(name.length + 1).trim());
    const callId = header('Call-ID')[0] ?? '';
    const first = !this.arrivals.some((a) => a.callId === callId);
    if (first) {
      const a = { callId, at };
      this.arrivals.push(a);
      this.#waiters.shift()?.(a);
    }
    const to = header('To')[0] ?? '';
    const reply = [
      `SIP/2.0 ${this.code} ${this.code === 486 ? 'Busy Here' : 'Rejected'}`,
      ...header('Via').map((v) => `Via: ${v}`),
      `From: ${header('From')[0] ?? ''}`,
      `To: ${to.includes(';tag=') ? to : `${to};tag=sink${this.arrivals.length}`}`,
      `Call-ID: ${callId}`,
      `CSeq: ${header('CSeq')[0] ?? ''}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.#sock.send(reply, port, address);
  }
}
