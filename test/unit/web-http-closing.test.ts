/**
 * web/http while the server closes, on raw kept-alive sockets (so that the test decides which
 * request goes on which connection, and when). node's `server.close()` stops listening and closes
 * the connections idle at that moment; a connection busy with a request stays open, and node still
 * hands the app every request that arrives on it afterwards: the app answers those 503 with
 * `connection: close`.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ApiError, errorBody } from '../../web/errors.ts';
import { HttpApp } from '../../web/http/index.ts';

type Response = { status: number; headers: Record<string, string>; body: string };

/** Parses the responses in `data` (each with a content-length, as the app sends JSON). */
function parseResponses(data: string): Response[] {
  const out: Response[] = [];
  let rest = data;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    assert.ok(end > 0, `a response head in: ${JSON.stringify(rest)}`);
    const [status, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    out.push({ status: Number(status!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nhost: localhost\r\nconnection: keep-alive\r\n\r\n`;

/** A connection, with everything it received and a promise of its end (the server closed it). */
function open(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (s: string) => (data += s));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, connected, ended, received: () => data };
}

let app: HttpApp;
let port: number;
let release: () => void;
let slowStarted: Promise<void>;
/** How many requests node has handed the app. */
let requests: number;
let nextRequest: () => void;
/** For each request, in order: resolves once node is done with its answer (the socket detached). */
let answered: Promise<void>[];
const sockets: Socket[] = [];

beforeEach(async () => {
  app = new HttpApp({
    bodyLimit: 64,
    onError: (err, _req, reply) => {
      const api = err instanceof ApiError ? err : new ApiError('internal', 'internal error');
      reply.code(api.status).send(errorBody(api));
    },
    notFound: (_req, reply) => void reply.code(404).send(),
  });
  requests = 0;
  nextRequest = () => {};
  answered = [];
  app.server.prependListener('request', (_req, res) => {
    answered.push(new Promise((resolve) => res.once('close', () => resolve())));
    requests++;
    nextRequest();
  });
  let started: () => void = () => {};
  slowStarted = new Promise((resolve) => (started = resolve));
  app.get('/slow', () => {
    started();
    return new Promise((resolve) => (release = () => resolve({ slow: true })));
  });
  app.get('/quick', () => ({ quick: true }));
  await app.listen('127.0.0.1', 0);
  const a = app.server.address();
  port = typeof a === 'object' && a ? a.port : 0;
});

afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.length = 0;
  app.server.closeAllConnections();
  await app.close();
});

/** Resolves once node has handed the app `n` requests in all. */
const requestsSeen = (n: number) =>
  new Promise<void>((resolve) => {
    nextRequest = () => requests >= n && resolve();
    nextRequest();
  });

/** A connection with a request in flight (`/slow`, held until `release()`) when the app is closed. */
async function closeWhileBusy(): Promise<{ c: ReturnType<typeof open>; closed: Promise<void> }> {
  const c = open(port);
  sockets.push(c.socket);
  await c.connected;
  c.socket.write(get('/slow'));
  await slowStarted;
  return { c, closed: app.close() };
}

// The timeout only ends a hang (a connection left open would be a failure); nothing waits on the clock.
describe('web/http while closing', { timeout: 60_000 }, () => {
  it('answers 503 with connection: close to a request pipelined on a busy connection after close()', async () => {
    const { c, closed } = await closeWhileBusy();
    c.socket.write(get('/quick')); // pipelined behind the request in flight, after close()
    await requestsSeen(2); // node handed it to the app: no race with the release below
    release();
    const [first, second] = parseResponses(await untilResponses(c, 2));
    assert.equal(first?.status, 200, 'the request in flight finishes');
    assert.deepEqual(JSON.parse(first!.body), { slow: true });
    assert.equal(second?.status, 503, 'the request after close() is refused');
    assert.equal(second!.headers.connection, 'close');
    assert.equal(JSON.parse(second!.body).error.code, 'service_unavailable');
    await c.ended;
    await closed;
    assert.equal(parseResponses(c.received()).length, 2);
  });

  it('answers 503 with connection: close to the next request on the connection whose request was in flight', async () => {
    app.server.keepAliveTimeout = 0; // the connection stays open after its answer until the client's next request
    const { c, closed } = await closeWhileBusy();
    release();
    const [first] = parseResponses(await untilResponses(c, 1));
    assert.equal(first?.status, 200, 'the request in flight finishes');
    assert.equal(first!.headers.connection, 'keep-alive');
    c.socket.write(get('/quick')); // as a browser does on a kept-alive connection
    const [, second] = parseResponses(await untilResponses(c, 2));
    assert.equal(second?.status, 503);
    assert.equal(second!.headers.connection, 'close');
    await c.ended;
    await closed;
  });

  it('closes the idle kept-alive connections at once, and listens no more', async () => {
    const idle = open(port);
    const busy = open(port);
    sockets.push(idle.socket, busy.socket);
    await Promise.all([idle.connected, busy.connected]);
    idle.socket.write(get('/quick'));
    const [first] = parseResponses(await untilResponses(idle, 1));
    assert.equal(first?.status, 200);
    assert.equal(first!.headers.connection, 'keep-alive', 'kept alive before close()');
    await answered[0]; // and idle on the server's side too
    busy.socket.write(get('/slow').replace('keep-alive', 'close'));
    await slowStarted;
    const closed = app.close();
    await idle.ended; // idle when close() was called: closed, nothing more answered on it
    assert.equal(parseResponses(idle.received()).length, 1);
    const late = open(port);
    sockets.push(late.socket);
    await assert.rejects(late.connected, /ECONNREFUSED/, 'a new connection is refused');
    release();
    await busy.ended;
    await closed;
    const [done] = parseResponses(busy.received());
    assert.equal(done?.status, 200, 'the request in flight finishes');
  });
});

/** What the connection received, once it holds `n` whole responses. */
function untilResponses(c: ReturnType<typeof open>, n: number): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      let data = c.received();
      let whole = 0;
      let end = data.indexOf('\r\n\r\n');
      while (end >= 0) {
        const length = Number(/content-length: *(\d+)/i.exec(data.slice(0, end))?.[1] ?? 0);
        if (data.length < end + 4 + length) break;
        whole++;
        data = data.slice(end + 4 + length);
        end = data.indexOf('\r\n\r\n');
      }
      if (whole >= n) {
        c.socket.off('data', check);
        resolve(c.received());
      }
    };
    c.socket.on('data', check);
    check();
  });
}
