/**
 * The agent's outbound HTTP paths on core/http-client.ts against a node:http server on 127.0.0.1:
 * what each sends, and the errors people read (an HTTP action, a door unlock, an autop file, the web
 * server's health check, a firmware download).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchFile, MAX_AUTOP_FILE } from '../../agent/cloud/jobs/autop.ts';
import { httpGet } from '../../agent/features/support/outbound.ts';
import { download } from '../../agent/firmware/download.ts';
import { httpUnlock } from '../../agent/monitor/http-unlock.ts';
import { webServerProblem } from '../../agent/parts/firmware.ts';

let server: Server;
let base: string;
let dir: string;
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
const got: { method: string; url: string; authorization?: string }[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-http-callers-'));
  server = createServer((req, res) => {
    got.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    const route = routes.get(req.url ?? '');
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('outbound HTTP of the agent', () => {
  it('an HTTP action follows redirects and needs a 2xx', async () => {
    routes.set('/go', (_q, res) => res.writeHead(301, { location: '/went' }).end());
    routes.set('/went', (_q, res) => res.end('a body nobody reads'));
    assert.equal(await httpGet(`${base}/go`), 200);
    await assert.rejects(httpGet(`${base}/nothing`), new Error(`GET ${base}/nothing: HTTP 404`));
  });

  it("a door unlock: POST with the token; the door's error envelope in the message; no redirect followed", async () => {
    routes.set('/api/v1/relays/1/trigger', (_q, res) => res.end('{}'));
    routes.set('/api/v1/relays/2/trigger', (_q, res) =>
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":{"message":"token lacks door scope"}}'),
    );
    routes.set('/moved/api/v1/relays/1/trigger', (_q, res) =>
      res.writeHead(302, { location: '/api/v1/relays/1/trigger' }).end(),
    );
    await httpUnlock({ apiUrl: `${base}/`, token: 'tok', relay: 1 });
    assert.deepEqual(got.at(-1), { method: 'POST', url: '/api/v1/relays/1/trigger', authorization: 'Bearer tok' });
    await assert.rejects(
      httpUnlock({ apiUrl: base, token: 'tok', relay: 2 }),
      new Error('the door refused to open relay 2: 403 token lacks door scope'),
    );
    await assert.rejects(
      httpUnlock({ apiUrl: base, token: 'tok', relay: 3 }),
      new Error('the door refused to open relay 3: 404'),
    );
    const n = got.length;
    await assert.rejects(
      httpUnlock({ apiUrl: `${base}/moved`, token: 'tok', relay: 1 }),
      /^Error: the door's API at .*\/moved does not answer: .* answered with a redirect \(HTTP 302\)/,
    );
    assert.equal(got.length, n + 1, 'the redirect was not followed');
  });

  it('an autop file: its bytes; an HTTP error or a file over the limit is refused, naming the url', async () => {
    routes.set('/a.cfg', (_q, res) => res.end('Config.X=1\n'));
    routes.set('/big.cfg', (_q, res) => res.end(Buffer.alloc(MAX_AUTOP_FILE + 1, 'x')));
    assert.equal((await fetchFile(`${base}/a.cfg`)).toString(), 'Config.X=1\n');
    await assert.rejects(fetchFile(`${base}/none.cfg`), new Error('url: 404 Not Found'));
    await assert.rejects(
      fetchFile(`${base}/big.cfg`),
      new Error(`url: the file is more than 1048576 bytes, at most 1048576`),
    );
  });

  it('the health check: any answer of the web port will do (a redirect too); a closed port is the problem', async () => {
    routes.set('/api/v1/auth/state', (_q, res) => res.writeHead(301, { location: 'https://127.0.0.1/' }).end());
    assert.equal(await webServerProblem(Number(new URL(base).port)), undefined);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    assert.match((await webServerProblem(port)) ?? '', /^the web server does not answer: connect ECONNREFUSED/);
  });

  it('a firmware download: progress, SHA-256, the size limit, and a cancel that removes the partial file', async () => {
    const data = Buffer.alloc(50_000, 1);
    routes.set('/b.raucb', (_q, res) => res.writeHead(200, { 'content-length': String(data.length) }).end(data));
    const file = join(dir, 'b.raucb');
    const percents: (number | undefined)[] = [];
    const ok = await download({ url: `${base}/b.raucb`, file, maxBytes: 1e6, progress: (p) => percents.push(p) });
    assert.equal(ok.bytes, 50_000);
    assert.equal(ok.sha256, createHash('sha256').update(data).digest('hex'));
    assert.ok((await readFile(file)).equals(data));
    assert.equal(percents.at(-1), 100);
    await assert.rejects(
      download({ url: `${base}/b.raucb`, file: join(dir, 'c.raucb'), maxBytes: 1000, progress: () => {} }),
      new Error('the bundle is 50000 bytes, more than the 1000 allowed'),
    );
    await assert.rejects(
      download({ url: `${base}/none.raucb`, file: join(dir, 'd.raucb'), maxBytes: 1e6, progress: () => {} }),
      new Error(`download of ${base}/none.raucb failed: HTTP 404`),
    );
    // a full disk: /dev/full answers every write with ENOSPC (the link to it is what is removed)
    const full = join(dir, 'full.raucb');
    await symlink('/dev/full', full);
    await assert.rejects(
      download({ url: `${base}/b.raucb`, file: full, maxBytes: 1e6, progress: () => {} }),
      /^Error: no space left on the data disk for the bundle \(\d+ bytes written\)$/,
    );
    assert.equal(existsSync(full), false);
    routes.set('/slow.raucb', (_q, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(1000));
    });
    const ac = new AbortController();
    const slow = join(dir, 'slow.raucb');
    const p = download({
      url: `${base}/slow.raucb`,
      file: slow,
      maxBytes: 1e6,
      signal: ac.signal,
      progress: (_p, bytes) => {
        if (bytes >= 1000) ac.abort(new Error('cancelled by the user'));
      },
    });
    await assert.rejects(p, /^Error: download of .*\/slow\.raucb failed after 1000 bytes: .*cancelled by the user/);
    assert.equal(existsSync(slow), false);
  });
});
