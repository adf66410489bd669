/**
 * System routes and the server itself over real HTTP(S): info, status, reboot; the UI's static
 * files with their security headers and precompressed copies; listening only where told; HTTPS
 * with the per-device self-signed certificate, the HTTP port redirecting to it, and a port change.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildUi } from '../../web/build-ui.ts';
import { Client, freePort, startAgent, type TestAgent, until } from './web-support.ts';

let t: TestAgent;
let c: Client;

before(async () => {
  await buildUi({ ifStale: true });
  t = await startAgent();
  c = new Client(t.base);
  assert.equal((await c.setup(t)).status, 200);
});
after(async () => {
  await t?.stop();
});

function httpsReq(
  url: string,
  ca: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request(url, { method: opts.method ?? 'GET', ca, headers: opts.headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(opts.body);
    },
  );
}

describe('system routes', () => {
  it('info: model, MAC, versions, uptime, certificate fingerprint', async () => {
    const r = (await c.get('/api/v1/system/info')).body.result;
    assert.equal(r.model, 'Portier DP1');
    assert.equal(r.name, 'Front door');
    assert.match(r.version, /^\d+\.\d+\.\d+/);
    assert.equal(r.versions.node, process.versions.node);
    assert.equal(r.hal, 'sim');
    assert.equal(typeof r.uptime, 'number');
    const cert = new X509Certificate(await readFile(join(t.dataDir, 'web', 'tls', 'cert.pem')));
    assert.equal(r.web.certificateFingerprint, cert.fingerprint256);
  });

  it('status: registrations, calls, relays, inputs, the simulated lines of the dev run, module states', async () => {
    const r = (await c.get('/api/v1/system/status')).body.result;
    assert.deepEqual(r.services, {
      sip: true,
      relays: true,
      inputs: true,
      simGpio: true,
      callLog: true,
      doorLog: true,
    });
    assert.deepEqual(r.registrations, []);
    assert.deepEqual(r.calls, []);
    assert.equal(r.relays.length, 3);
    assert.equal(r.inputs.length, 4);
    assert.ok(r.sim.some((l: { line: string }) => l.line === 'PUSH_BUTTON'));
    assert.equal(r.modules.web.state, 'running');
  });

  it('reboot answers, then restarts the agent', async () => {
    const r = await c.post('/api/v1/system/reboot');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, { restarting: true });
    await until(() => t.restarts === 1, 'the restart');
  });
});

describe('the web server', () => {
  it('serves the UI with a strict CSP, and its assets precompressed and cached for good', async () => {
    const index = await fetch(`${t.base}/`);
    assert.equal(index.status, 200);
    const html = await index.text();
    assert.match(html, /<div id="app">/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(index.headers.get('x-frame-options'), 'DENY');
    const js = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(html)![1]!;
    const br = await fetch(t.base + js, { headers: { 'accept-encoding': 'br' } });
    assert.equal(br.status, 200);
    assert.equal(br.headers.get('content-encoding'), 'br');
    assert.equal(br.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(br.headers.get('content-type')!, /javascript/);
    const manifest = JSON.parse(await readFile('build/ui/manifest.json', 'utf8'));
    assert.ok(manifest.total.gzip < 150 * 1024, `compressed UI ${manifest.total.gzip} bytes`);
    assert.equal((await fetch(`${t.base}/assets/nope.js`)).status, 404);
  });

  it('listens on the bind address only (127.0.0.1 here), not on the other interfaces', async (ctx) => {
    const other = Object.values(networkInterfaces())
      .flatMap((l) => l ?? [])
      .find((i) => i.family === 'IPv4' && !i.internal);
    if (!other) return ctx.skip('no other IPv4 interface on this machine');
    await assert.rejects(
      fetch(`http://${other.address}:${t.port}/api/v1/auth/state`, { signal: AbortSignal.timeout(5000) }),
    );
  });

  it('with HTTPS on: the device certificate, Secure cookies, and the HTTP port redirecting to HTTPS', async () => {
    const httpsPort = await freePort();
    const r = await c.req('PATCH', '/api/v1/config', { body: { web: { https: true, httpsPort } } });
    assert.equal(r.status, 200, r.text);
    const ca = await readFile(join(t.dataDir, 'web', 'tls', 'cert.pem'), 'utf8');
    const base = `https://127.0.0.1:${httpsPort}`;
    const state = await until(
      () => httpsReq(`${base}/api/v1/auth/state`, ca).catch(() => undefined),
      'HTTPS to listen',
    );
    assert.equal(state.status, 200);
    assert.match(String(state.headers['strict-transport-security']), /max-age=/);
    const login = await httpsReq(`${base}/api/v1/auth/login`, ca, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'correct horse battery' }),
    });
    assert.equal(login.status, 200, login.body);
    assert.match((login.headers['set-cookie'] as string[])[0]!, /; Secure/);
    const redirect = await fetch(`${t.base}/api/v1/system/info?x=1`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), `${base}/api/v1/system/info?x=1`);
    // back to plain HTTP on another port, through the HTTPS API
    const csrf = JSON.parse(login.body).result.csrfToken;
    const cookie = (login.headers['set-cookie'] as string[])[0]!.split(';')[0]!;
    const port = await freePort();
    const back = await httpsReq(`${base}/api/v1/config`, ca, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ web: { https: false, port } }),
    });
    assert.equal(back.status, 200, back.body);
    const moved = await until(
      () => fetch(`http://127.0.0.1:${port}/api/v1/auth/state`).catch(() => undefined),
      'HTTP on the new port',
    );
    assert.equal(moved.status, 200);
    await assert.rejects(fetch(`${t.base}/api/v1/auth/state`), 'the old port is closed');
  });
});
