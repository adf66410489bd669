/**
 * Free ports on 127.0.0.1, picked at run time so that suites can run side by side. A SIP port is
 * free for UDP and TCP, and the next port too (baresip also listens for TLS on port + 1).
 *
 * Every port is picked below the kernel's ephemeral range: a port is free when it is picked and
 * taken later (the agent listens once it starts), and in between any `bind(0)` or outgoing
 * connection may be given an ephemeral port (baresip's ctrl_tcp port is one). A web port picked
 * with `listen(0)` was once given to the agent's own baresip in that gap: the agent could not
 * listen, and the test's HTTP request reached ctrl_tcp.
 */

import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';
const LOW = 10_000;
/** First port of the kernel's ephemeral range (32768 unless the machine says otherwise). */
const EPHEMERAL = (() => {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOW + 1000 ? first : 32_768;
  } catch {
    return 32_768;
  }
})();

/** A random start of `count` ports (of `step` alignment) below the ephemeral range. */
function candidate(count: number, step = 1): number {
  const slots = Math.floor((EPHEMERAL - LOW - count) / step);
  return LOW + step * Math.floor(Math.random() * slots);
}

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

/** A TCP port free now, and never handed out by the kernel as an ephemeral one. */
export async function freeTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = candidate(1);
    if (await tcpFree(port)) return port;
  }
  throw new Error(`no free TCP port on ${HOST}`);
}

/** `count` consecutive ports free for both UDP and TCP (default 2: SIP and TLS on SIP + 1). */
export async function freeSipPort(count = 2): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = candidate(count);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = (await tcpFree(p)) && (await udpFree(p));
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free SIP ports on ${HOST}`);
}

/** A range of `count` free UDP ports for RTP: [min, max]. */
export async function freeRtpRange(count = 20): Promise<[number, number]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = candidate(count, 2);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await udpFree(p);
    if (ok) return [base, base + count - 1];
  }
  throw new Error(`no ${count} free RTP ports on ${HOST}`);
}
