/**
 * Free ports on 127.0.0.1, picked at run time so that suites can run side by side. A SIP port is
 * free for UDP and TCP, and the next port too (baresip also listens for TLS on port + 1).
 *
 * Every port is picked below the kernel's ephemeral range: a port is free when it is picked and
 * taken later (the agent listens once it starts), and in between any `bind(0)` or outgoing
 * connection may be given an ephemeral port (baresip's ctrl_tcp port is one). A web port picked
 * with `listen(0)` was once given to the agent's own baresip in that gap: the agent could not
 * listen, and the test's HTTP request reached ctrl_tcp. Nor does this process hand out a port twice.
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

/** Ports this process has handed out: never again (an agent's web, SIP and RTP ports are picked before it takes any). */
const given = new Set<number>();

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

/** `count` consecutive ports (the first a multiple of `step`) below the ephemeral range, each `free` now. */
async function pick(count: number, step: number, free: (port: number) => Promise<boolean>, what: string) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = LOW + step * Math.floor(Math.random() * Math.floor((EPHEMERAL - LOW - count) / step));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => given.has(p))) continue;
    let ok = true;
    for (const p of ports) if (!(ok = await free(p))) break;
    if (!ok) continue;
    for (const p of ports) given.add(p);
    return base;
  }
  throw new Error(`no ${what} free on ${HOST}`);
}

/** A TCP port free now, and never handed out by the kernel as an ephemeral one. */
export function freeTcpPort(): Promise<number> {
  return pick(1, 1, tcpFree, 'TCP port');
}

/** `count` consecutive ports free for both UDP and TCP (default 2: SIP and TLS on SIP + 1). */
export function freeSipPort(count = 2): Promise<number> {
  return pick(count, 1, async (p) => (await tcpFree(p)) && (await udpFree(p)), `${count} consecutive SIP ports`);
}

/** A range of `count` free UDP ports for RTP: [min, max]. */
export async function freeRtpRange(count = 20): Promise<[number, number]> {
  const base = await pick(count, 2, udpFree, `${count} RTP ports`);
  return [base, base + count - 1];
}
