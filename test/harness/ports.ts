/**
 * Free ports on 127.0.0.1, picked at run time so that suites can run side by side. A SIP port is
 * free for UDP and TCP, and the next port too (baresip also listens for TLS on port + 1).
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, HOST, () => s.close(() => resolve(true)));
  });
}

/** A TCP port the kernel says is free now. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no free port'))));
    });
  });
}

/** `count` consecutive ports free for both UDP and TCP (default 2: SIP and TLS on SIP + 1). */
export async function freeSipPort(count = 2): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = (await tcpFree(p)) && (await udpFree(p));
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free SIP ports on ${HOST}`);
}

/** A range of `count` free UDP ports for RTP: [min, max]. */
export async function freeRtpRange(count = 20): Promise<[number, number]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + 2 * Math.floor(Math.random() * 20_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await udpFree(p);
    if (ok) return [base, base + count - 1];
  }
  throw new Error(`no ${count} free RTP ports on ${HOST}`);
}
