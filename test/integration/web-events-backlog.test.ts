/**
 * A client of the events stream that stops reading (gone without a FIN, stalled) is cut off once
 * its backlog is large, instead of every later event being kept for it in the agent's memory.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { Client, startAgent, type TestAgent } from './web-support.ts';

let t: TestAgent;
let c: Client;
const sockets: Socket[] = [];

before(async () => {
  t = await startAgent();
  c = new Client(t.base);
  assert.equal((await c.setup(t)).status, 200);
});
after(async () => {
  for (const s of sockets) s.destroy();
  await t?.stop();
});

/** A raw HTTP client of /api/v1/events, with the session cookie; resolves once the stream began. */
async function openRawStream(): Promise<{ sock: Socket; closed: Promise<number> }> {
  const sock = connect(t.port, '127.0.0.1');
  sockets.push(sock);
  await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  let bytes = 0;
  const closed = new Promise<number>((resolve) => sock.once('close', () => resolve(bytes)));
  sock.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${c.cookie}\r\n\r\n`);
  await new Promise((resolve) => sock.once('data', resolve));
  sock.on('data', (d: Buffer) => {
    bytes += d.length;
  });
  return { sock, closed };
}

const relayEvent = (i: number) => ({ index: 1, name: 'Relay B', on: i % 2 === 0, at: i, by: 'test' });

it('a stream whose client stops reading is ended once its backlog is large, and stops taking events', async () => {
  const { sock, closed } = await openRawStream();
  const reader = await openRawStream(); // a client that reads: it keeps its stream
  sock.pause();
  // ~11 MB of events, 100 a turn of the event loop (the reading client keeps up): more than the
  // kernel's socket buffers on loopback hold for the paused client
  for (let i = 0; i < 100_000; i++) {
    t.agent.ctx.bus.emit('relay.changed', relayEvent(i));
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  sock.resume();
  let timer: NodeJS.Timeout | undefined;
  const received = await Promise.race([
    closed,
    new Promise<'open'>((resolve) => {
      timer = setTimeout(() => resolve('open'), 10_000);
    }),
  ]);
  clearTimeout(timer);
  assert.notEqual(received, 'open', 'the stream of the client that stopped reading is still open');
  assert.ok((received as number) < 100_000 * 100, `it was cut off before getting every event (${received} bytes)`);
  // the reading client still has its stream: it gets the next event
  const next = new Promise<string>((resolve) => reader.sock.once('data', (d: Buffer) => resolve(d.toString())));
  t.agent.ctx.bus.emit('relay.changed', relayEvent(-1));
  assert.match(await next, /event: relay\.changed/);
  reader.sock.destroy();
});
