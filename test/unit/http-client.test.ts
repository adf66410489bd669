/**
 * core/http-client.ts against a node:http server on 127.0.0.1: the answer, what is sent, the
 * timeout and the abort (each destroys the request and says so), redirects (followed up to a limit,
 * refused, or answered as they are), the size limit, and the streamed body.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HttpError, httpRequest, httpStream } from '../../core/index.ts';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

let server: Server;
let base: string;
const routes = new Map<string, Handler>();
/** Requests the server got: method, url, headers, body. */
let got: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
/** Requests whose connection closed before the server answered them (destroyed by the client). */
let closed: string[];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      got.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString() });
      res.on('close', () => {
        if (!res.writableFinished) closed.push(req.url ?? '');
      });
      const route = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (route) route(req, body, res);
      else res.writeHead(404, 'Nope').end('missing');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  got = [];
  closed = [];
  routes.clear();
});

/** Resolves once the server got a request for `url` (the client is then waiting for the answer). */
async function requested(url: string): Promise<void> {
  await until(`the server got ${url}`, () => got.some((g) => g.url === url));
}

/** Waits for socket events (a real bound: they take real time). */
async function until(what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
  assert.ok(ok(), what);
}

const hang: Handler = () => {}; // never answers

async function rejectsWith(p: Promise<unknown>, kind: HttpError['kind'], message: RegExp): Promise<HttpError> {
  const err = await p.then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof HttpError, `an HttpError: ${err}`);
  assert.equal(err.kind, kind);
  assert.match(err.message, message);
  return err;
}

describe('http client: answers', () => {
  it('gives the status, status text, headers and body', async () => {
    routes.set('/a', (_q, _b, res) => res.writeHead(201, 'Made', { 'x-thing': 'yes' }).end('hello'));
    const r = await httpRequest(`${base}/a`);
    assert.equal(r.status, 201);
    assert.equal(r.statusText, 'Made');
    assert.equal(r.ok, true);
    assert.equal(r.headers['x-thing'], 'yes');
    assert.equal(r.body.toString(), 'hello');
    assert.equal(r.url.href, `${base}/a`);
    const missing = await httpRequest(`${base}/none`);
    assert.deepEqual(
      [missing.status, missing.statusText, missing.ok, missing.body.toString()],
      [404, 'Nope', false, 'missing'],
    );
  });

  it('sends the method, headers and body; URL credentials as HTTP Basic', async () => {
    routes.set('/post', (_q, _b, res) => res.end());
    await httpRequest(`${base}/post`, {
      method: 'post',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    assert.equal(got[0]?.method, 'POST');
    assert.equal(got[0]?.headers.authorization, 'Bearer t');
    assert.equal(got[0]?.headers['content-type'], 'application/json');
    assert.equal(got[0]?.headers['content-length'], '7');
    assert.equal(got[0]?.body, '{"a":1}');
    await httpRequest(`http://us%40er:p%3Ass@127.0.0.1:${new URL(base).port}/post`);
    assert.equal(got[1]?.headers.authorization, `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
  });

  it('a refused connection is a network error, the socket error as its cause', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const err = await rejectsWith(httpRequest(`http://127.0.0.1:${port}/`), 'network', /ECONNREFUSED/);
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    await rejectsWith(httpRequest('ftp://127.0.0.1/x'), 'url', /not an http\(s\) URL/);
  });
});

describe('http client: timeout and abort', () => {
  it('a server that does not answer is timed out: the request is destroyed', async () => {
    routes.set('/hang', hang);
    await rejectsWith(
      httpRequest(`${base}/hang`, { timeoutMs: 50 }),
      'timeout',
      /127\.0\.0\.1:\d+ did not answer within 0\.05 s \(timed out\)/,
    );
    await until('the server sees the connection closed', () => closed.includes('/hang'));
  });

  it('the timeout covers the body too', async () => {
    routes.set('/half', (_q, _b, res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('12345');
    });
    await rejectsWith(httpRequest(`${base}/half`, { timeoutMs: 50 }), 'timeout', /timed out/);
  });

  it('an abort destroys the request and says it was cancelled, with the reason', async () => {
    routes.set('/hang', hang);
    const ac = new AbortController();
    const p = httpRequest(`${base}/hang`, { signal: ac.signal });
    await requested('/hang');
    ac.abort(new Error('the user cancelled'));
    const err = await rejectsWith(p, 'aborted', /the request to 127\.0\.0\.1:\d+ was cancelled: the user cancelled/);
    assert.equal((err.cause as Error).message, 'the user cancelled');
    await until('the server sees the connection closed', () => closed.includes('/hang'));
    // already aborted: nothing is sent
    await rejectsWith(httpRequest(`${base}/hang`, { signal: AbortSignal.abort() }), 'aborted', /was cancelled/);
    assert.equal(got.length, 1);
  });
});

describe('http client: redirects', () => {
  beforeEach(() => {
    for (let i = 0; i < 5; i++)
      routes.set(`/r${i}`, (_q, _b, res) => res.writeHead(302, { location: `/r${i + 1}` }).end());
    routes.set('/r5', (_q, _b, res) => res.end('arrived'));
  });

  it('followed up to the limit, the answer says where from', async () => {
    const r = await httpRequest(`${base}/r0`, { redirect: 'follow', maxRedirects: 5 });
    assert.equal(r.body.toString(), 'arrived');
    assert.equal(r.url.href, `${base}/r5`);
    assert.deepEqual(
      got.map((g) => g.url),
      ['/r0', '/r1', '/r2', '/r3', '/r4', '/r5'],
    );
  });

  it('more than the limit, a loop or a missing Location is an error', async () => {
    await rejectsWith(
      httpRequest(`${base}/r0`, { redirect: 'follow', maxRedirects: 4 }),
      'redirect',
      /too many redirects from .*\/r0 \(more than 4\)/,
    );
    assert.equal(got.length, 5);
    routes.set('/loop', (_q, _b, res) => res.writeHead(307, { location: '/loop2' }).end());
    routes.set('/loop2', (_q, _b, res) => res.writeHead(307, { location: '/loop' }).end());
    await rejectsWith(
      httpRequest(`${base}/loop`, { redirect: 'follow' }),
      'redirect',
      /redirect loop: .*\/loop2 leads back to .*\/loop$/,
    );
    routes.set('/nowhere', (_q, _b, res) => res.writeHead(301).end());
    await rejectsWith(
      httpRequest(`${base}/nowhere`, { redirect: 'follow' }),
      'redirect',
      /HTTP 301 without a Location/,
    );
    routes.set('/ftp', (_q, _b, res) => res.writeHead(302, { location: 'ftp://127.0.0.1/x' }).end());
    await rejectsWith(httpRequest(`${base}/ftp`, { redirect: 'follow' }), 'redirect', /refused redirect to ftp:/);
  });

  it('303 goes on as a GET without the body; 307 keeps the method and body', async () => {
    routes.set('/see', (_q, _b, res) => res.writeHead(303, { location: '/r5' }).end());
    routes.set('/temp', (_q, _b, res) => res.writeHead(307, { location: '/r5' }).end());
    await httpRequest(`${base}/see`, { method: 'POST', body: 'x', redirect: 'follow' });
    await httpRequest(`${base}/temp`, { method: 'POST', body: 'y', redirect: 'follow' });
    assert.deepEqual(
      got.map((g) => [g.method, g.url, g.body]),
      [
        ['POST', '/see', 'x'],
        ['GET', '/r5', ''],
        ['POST', '/temp', 'y'],
        ['POST', '/r5', 'y'],
      ],
    );
  });

  it('credentials go on to the same origin only, never to another host a redirect points to', async () => {
    const other = base.replace('127.0.0.1', 'localhost'); // the same server, another origin
    routes.set('/same', (_q, _b, res) => res.writeHead(302, { location: '/r5' }).end());
    routes.set('/away', (_q, _b, res) => res.writeHead(302, { location: `${other}/r5` }).end());
    const secret = { authorization: 'Bearer s3cret', cookie: 'a=b', 'x-other': '1' };
    await httpRequest(`${base}/same`, { headers: secret, redirect: 'follow' });
    await httpRequest(`${base}/away`, { headers: secret, redirect: 'follow' });
    const seen = got.map((g) => [
      g.url,
      g.headers.host?.split(':')[0],
      g.headers.authorization,
      g.headers.cookie,
      g.headers['x-other'],
    ]);
    assert.deepEqual(seen, [
      ['/same', '127.0.0.1', 'Bearer s3cret', 'a=b', '1'],
      ['/r5', '127.0.0.1', 'Bearer s3cret', 'a=b', '1'],
      ['/away', '127.0.0.1', 'Bearer s3cret', 'a=b', '1'],
      ['/r5', 'localhost', undefined, undefined, '1'],
    ]);
  });

  it('not followed: the 3xx is the answer (manual, the default), or an error', async () => {
    const r = await httpRequest(`${base}/r0`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, '/r1');
    const m = await httpRequest(`${base}/r0`, { redirect: 'manual' });
    assert.equal(m.status, 302);
    await rejectsWith(
      httpRequest(`${base}/r0`, { redirect: 'error' }),
      'redirect',
      /answered with a redirect \(HTTP 302\)/,
    );
    assert.deepEqual(
      got.map((g) => g.url),
      ['/r0', '/r0', '/r0'],
    );
  });
});

describe('http client: size limit', () => {
  it('a Content-Length over the limit is refused before the body is read', async () => {
    routes.set('/big', (_q, _b, res) => {
      res.writeHead(200, { 'content-length': '2000' });
      res.write(Buffer.alloc(10)); // the rest never comes: only the header can have refused it
    });
    await rejectsWith(
      httpRequest(`${base}/big`, { maxBytes: 1000, timeoutMs: 10_000 }),
      'too-large',
      /\/big: the body is larger than 1000 bytes/,
    );
  });

  it('a body without a length is refused once it passes the limit; at the limit it is taken', async () => {
    routes.set('/chunked', (q, _b, res) => {
      const n = Number(new URL(q.url ?? '', 'http://x').searchParams.get('n'));
      res.write(Buffer.alloc(n - 1));
      res.end(Buffer.alloc(1));
    });
    await rejectsWith(httpRequest(`${base}/chunked?n=1001`, { maxBytes: 1000 }), 'too-large', /larger than 1000 bytes/);
    const ok = await httpRequest(`${base}/chunked?n=1000`, { maxBytes: 1000 });
    assert.equal(ok.body.length, 1000);
  });
});

describe('http client: stream', () => {
  it('resolves at the head; the body streams to its end', async () => {
    const data = Buffer.alloc(200_000, 9);
    routes.set('/file', (_q, _b, res) => res.writeHead(200, { 'content-length': String(data.length) }).end(data));
    const r = await httpStream(`${base}/file`, { redirect: 'follow' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '200000');
    const chunks: Buffer[] = [];
    for await (const c of r.body) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(data));
  });

  it('an abort while the body comes ends the stream with the cancel error', async () => {
    routes.set('/slow', (_q, _b, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(100));
    });
    const ac = new AbortController();
    const r = await httpStream(`${base}/slow`, { signal: ac.signal });
    const read = (async () => {
      let n = 0;
      for await (const c of r.body) {
        n += (c as Buffer).length;
        if (n === 100) ac.abort(new Error('stop'));
      }
    })();
    await rejectsWith(read, 'aborted', /was cancelled: stop/);
    await until('the server sees the connection closed', () => closed.includes('/slow'));
  });

  it('a Content-Length over the limit is refused', async () => {
    routes.set('/big', (_q, _b, res) => res.writeHead(200, { 'content-length': '2000' }).end(Buffer.alloc(2000)));
    await rejectsWith(httpStream(`${base}/big`, { maxBytes: 1000 }), 'too-large', /larger than 1000 bytes/);
  });
});
