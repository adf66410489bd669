/**
 * The web part's HTTP layer (web/http) on a real socket: routes and HEAD, the hook before the
 * body, body limits and content types, JSON that would reach Object.prototype, the UI's files
 * (precompressed copy, ETag, nothing outside the folder), and closing with a request in flight.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiError, errorBody } from '../../web/errors.ts';
import { HttpApp, serveFile } from '../../web/http/index.ts';

let dir: string;
let app: HttpApp;
let base: string;
const seen: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-http-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<p>ui</p>');
  await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'assets', 'app.js.br'), 'BROTLI');
  await writeFile(join(dir, '..', 'portier-http-secret.txt'), 'secret');
  app = new HttpApp({
    bodyLimit: 64,
    onRequest(req) {
      seen.push(`hook ${req.method} ${req.routeOptions.url}`);
      if (req.headers['x-deny']) throw new ApiError('forbidden', 'denied');
    },
    onSend: (_req, reply) => void reply.header('x-common', '1'),
    onError: (err, _req, reply) => {
      const api = err instanceof ApiError ? err : new ApiError('internal', 'internal error');
      reply.code(api.status).send(errorBody(api));
    },
    notFound: (req, reply) => void reply.code(404).send(errorBody(new ApiError('not_found', `no route ${req.url}`))),
  });
  app.get<{ Params: { id: string } }>('/api/items/:id', async (req) => ({ id: req.params.id, q: req.query }));
  app.post('/api/echo', async (req) => {
    seen.push('handler');
    return { body: req.body ?? null };
  });
  app.post('/api/big', { bodyLimit: 1000 }, async (req) => ({ length: String(req.body).length }));
  app.get<{ Params: { '*': string } }>('/*', async (req, reply) => {
    if (!(await serveFile({ root: dir, cacheControl: () => 'no-cache' }, req.params['*'], req, reply)))
      throw new ApiError('not_found', 'no such file');
    return reply;
  });
  await app.listen('127.0.0.1', 0);
  const a = app.server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});

after(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
  await rm(join(dir, '..', 'portier-http-secret.txt'), { force: true });
});

const post = (path: string, body: string, type = 'application/json') =>
  fetch(base + path, { method: 'POST', body, headers: { 'content-type': type } });

/** A request with the path sent as is (fetch would normalize `..`). */
function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request(`${base}/`, { path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    r.on('error', reject);
    r.end();
  });
}

describe('web/http', () => {
  it('routes with params and query, answers HEAD for GET, and adds the common headers', async () => {
    const r = await fetch(`${base}/api/items/7?x=1&x=2&y=z`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-common'), '1');
    assert.deepEqual(await r.json(), { id: '7', q: { x: ['1', '2'], y: 'z' } });
    const head = await fetch(`${base}/api/items/7`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.ok(app.routes().some((x) => x.method === 'HEAD' && x.url === '/api/items/:id'));
    assert.equal((await fetch(`${base}/api/items/7`, { method: 'DELETE' })).status, 404);
  });

  it('runs the hook before the body is read: a refusal never reaches the handler', async () => {
    seen.length = 0;
    const r = await fetch(`${base}/api/echo`, {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', 'x-deny': '1' },
    });
    assert.equal(r.status, 403);
    assert.deepEqual(seen, ['hook POST /api/echo']);
  });

  it('parses JSON and text, refuses other types (415), too large bodies (413), bad JSON (400)', async () => {
    assert.deepEqual(await (await post('/api/echo', '{"a":1}')).json(), { body: { a: 1 } });
    assert.deepEqual(await (await post('/api/echo', 'hi', 'text/plain')).json(), { body: 'hi' });
    const form = await post('/api/echo', 'a=b', 'application/x-www-form-urlencoded');
    assert.equal(form.status, 415);
    assert.equal((await form.json()).error.code, 'unsupported_media_type');
    const big = await post('/api/echo', JSON.stringify({ a: 'x'.repeat(100) }));
    assert.equal(big.status, 413);
    assert.equal(big.headers.get('connection'), 'close');
    assert.equal((await post('/api/big', 'x'.repeat(500), 'text/plain')).status, 200, 'a route may allow more');
    const bad = await post('/api/echo', '{"a":');
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /not valid JSON/);
    const empty = await fetch(`${base}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    assert.equal(empty.status, 400);
    assert.match((await empty.json()).error.message, /the body is empty/);
  });

  it('refuses JSON with __proto__ or constructor.prototype keys (no merge can reach Object.prototype)', async () => {
    for (const text of [
      '{"__proto__":{"polluted":1}}',
      '{"a":{"\\u005f_proto__":{"polluted":1}}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
    ]) {
      const r = await post('/api/echo', text);
      assert.equal(r.status, 400, text);
      assert.match((await r.json()).error.message, /forbidden key/);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('serves files: index.html, the precompressed copy, 304 on the same ETag, nothing outside the folder', async () => {
    const index = await fetch(`${base}/`);
    assert.equal(index.status, 200);
    assert.equal(await index.text(), '<p>ui</p>');
    assert.match(index.headers.get('content-type')!, /text\/html/);
    const br = await fetch(`${base}/assets/app.js`, { headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(br.headers.get('content-encoding'), 'br');
    const plain = await fetch(`${base}/assets/app.js`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(await plain.text(), 'console.log(1)');
    const etag = plain.headers.get('etag')!;
    const again = await fetch(`${base}/assets/app.js`, {
      headers: { 'accept-encoding': 'identity', 'if-none-match': etag },
    });
    assert.equal(again.status, 304);
    for (const path of ['/../portier-http-secret.txt', '/assets/..%2f..%2fportier-http-secret.txt', '/%00index.html'])
      assert.equal(await rawGet(path), 404, path);
    assert.equal((await fetch(`${base}/nope.js`)).status, 404);
  });

  it('keeps the connection for an answer given before a bodiless request was read (404, a refusal); closes it when a body is left unread', async () => {
    const connection = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
      new Promise<string>((resolve, reject) => {
        const r = request(`${base}${path}`, { method, headers }, (res) => {
          res.resume();
          resolve(String(res.headers.connection));
        });
        r.on('error', reject);
        r.end(body);
      });
    assert.equal(await connection('DELETE', '/api/none'), 'keep-alive', 'a 404');
    assert.equal(await connection('GET', '/api/items/1', { 'x-deny': '1' }), 'keep-alive', 'a refusal by the hook');
    assert.equal(
      await connection('POST', '/api/echo', { 'x-deny': '1', 'content-type': 'application/json' }, '{"a":1}'),
      'close',
      'a refused request whose body was not read',
    );
  });
});

describe('web/http while closing', () => {
  it('lets the request in flight finish, and listens no more', async () => {
    const second = new HttpApp({
      bodyLimit: 64,
      onError: (_err, _req, reply) => void reply.code(500).send(),
      notFound: (_req, reply) => void reply.code(404).send(),
    });
    let release: () => void = () => {};
    const started = new Promise<void>((ready) =>
      second.get('/slow', () => {
        ready();
        return new Promise((r) => (release = () => r({ ok: true })));
      }),
    );
    await second.listen('127.0.0.1', 0);
    const a = second.server.address();
    const url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    const slow = fetch(`${url}/slow`, { headers: { connection: 'close' } });
    await started;
    const closed = second.close();
    await assert.rejects(fetch(`${url}/slow`), 'a new connection is refused');
    release();
    assert.equal((await slow).status, 200, 'the request in flight finishes');
    await closed;
  });
});
