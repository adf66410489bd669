/**
 * Web security over real HTTP: first-run setup with the one-time code from the log, sessions in
 * HttpOnly SameSite=Strict cookies, CSRF checks, API tokens and their scopes, password change,
 * body limits, and the login lockout after 10 wrong passwords. A sweep over every route the
 * server registers checks that each refuses without credentials, with a wrong token, as a
 * cross-site form post, and with a token whose scope is too small, and that a refusal has no
 * effect at all (no bus event, no restart, no config or relay change, no file written).
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { findLeaf } from '../../agent/config/index.ts';
import { neededScope } from '../../web/auth/index.ts';
import { Client, dirSnapshot, registeredRoutes, startAgent, type TestAgent, until } from './web-support.ts';

const PASSWORD = 'correct horse battery';
let t: TestAgent;

before(async () => {
  t = await startAgent({ dev: false });
});
after(async () => {
  await t?.stop();
});

/**
 * The only routes reachable without credentials: the UI's static files, first-run setup, login,
 * and the auth state. Every other route the server registers is swept below.
 */
const PUBLIC = new Set([
  'GET /',
  'HEAD /',
  'GET /*',
  'HEAD /*',
  'GET /api/v1/auth/state',
  'HEAD /api/v1/auth/state',
  'POST /api/v1/auth/setup',
  'POST /api/v1/auth/login',
]);

/** What an API token needs, where it is not the default (read for GET/HEAD, admin for a change). */
const SESSION_ONLY = new Set([
  'GET /api/v1/auth/tokens',
  'HEAD /api/v1/auth/tokens',
  'POST /api/v1/auth/tokens',
  'DELETE /api/v1/auth/tokens/:id',
  'POST /api/v1/auth/password',
  'POST /api/v1/config/autop/export',
  // API users of the 2N API (HTTP Basic and Digest)
  'GET /api/v1/auth/api-users',
  'HEAD /api/v1/auth/api-users',
  'POST /api/v1/auth/api-users',
  'POST /api/v1/auth/api-users/enabled',
  'DELETE /api/v1/auth/api-users/:id',
]);
const DOOR = new Set([
  'POST /api/v1/relays/:id/:action',
  'POST /api/v1/calls',
  'POST /api/v1/calls/:id/answer',
  'POST /api/v1/calls/:id/hangup',
  'POST /api/v1/calls/:id/dtmf',
  'POST /api/v1/monitor/calls/:id/answer',
  'POST /api/v1/monitor/calls/:id/decline',
  'POST /api/v1/monitor/calls/:id/hangup',
  'POST /api/v1/monitor/calls/:id/open/:relay',
  'POST /api/v1/monitor/doors/:id/call',
  'PUT /api/v1/monitor/dnd',
  'POST /api/v1/monitor/messages/:id/read',
  // the 2N API: GET and POST (HEAD with GET), as 2N devices take them
  ...['switch/ctrl', 'call/dial', 'call/answer', 'call/hangup'].flatMap((f) =>
    ['GET', 'HEAD', 'POST'].map((m) => `${m} /api/${f}`),
  ),
]);
const READ_CHANGES = new Set([
  'POST /api/v1/log/subscribe',
  'POST /api/v1/log/unsubscribe',
  'POST /api/v1/auth/logout',
  // the 2N API's reads, by POST too
  ...[
    'system/info',
    'system/status',
    'switch/caps',
    'switch/status',
    'io/caps',
    'io/status',
    'call/status',
    'log/caps',
    'log/subscribe',
    'log/pull',
    'log/unsubscribe',
    'camera/caps',
  ].map((f) => `POST /api/${f}`),
]);

type Scope = 'read' | 'door' | 'admin' | 'session';
const RANK: Record<Scope, number> = { read: 0, door: 1, admin: 2, session: 3 };
const SAFE = new Set(['GET', 'HEAD']);

function expectedScope(route: string): Scope {
  if (SESSION_ONLY.has(route)) return 'session';
  if (DOOR.has(route)) return 'door';
  if (READ_CHANGES.has(route)) return 'read';
  return SAFE.has(route.split(' ')[0]!) ? 'read' : 'admin';
}

/** A concrete URL for a route, with parameters that would do something if the guard let them through. */
function urlOf(url: string): string {
  const sample: Record<string, string> = { id: '1', action: 'on', key: 'intercom.maxCallTime', line: 'EXIT_BUTTON' };
  const path = url.replace(/:(\w+)/g, (_m, name: string) => sample[name] ?? 'x').replace('*', 'x');
  return path.endsWith('/log/pull') || path.endsWith('/log/unsubscribe') ? `${path}?id=x` : path;
}

/** Bodies that would change something if the guard let them through. */
const MAX_CALL_TIME_AUTOP = findLeaf('intercom.maxCallTime')!.autop;
const EFFECT_BODIES: Record<string, { body?: unknown; text?: string }> = {
  'PATCH /api/v1/config': { body: { intercom: { maxCallTime: 17 } } },
  'PUT /api/v1/config/:key': { body: { value: 17 } },
  'POST /api/v1/config/autop': { text: `${MAX_CALL_TIME_AUTOP} = 17\n` },
  'POST /api/v1/config/autop/export': { body: { password: PASSWORD, secrets: true } },
  'POST /api/v1/calls': { body: { target: 'sip:nobody@127.0.0.1:9' } },
  'POST /api/v1/calls/:id/dtmf': { body: { digits: '#' } },
  'PUT /api/v1/monitor/dnd': { body: { on: true } },
  'POST /api/v1/auth/tokens': { body: { name: 'sneaky', scope: 'admin' } },
  'POST /api/v1/auth/password': { body: { current: PASSWORD, password: 'another password 1' } },
};

/** The error codes of a refusal by the guard (the handler did not run). */
const REFUSED = new Set(['unauthorized', 'invalid_token', 'csrf_failed', 'forbidden', 'session_required']);

/** Sends a request and reads its status and error code; a stream (SSE) is cut once its head is in. */
async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const ac = new AbortController();
  const r = await fetch(t.base + path, { method, headers, body, redirect: 'manual', signal: ac.signal });
  if (method === 'HEAD' || (r.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    ac.abort();
    return { status: r.status, code: undefined as string | undefined };
  }
  const text = await r.text();
  let code: string | undefined;
  try {
    code = JSON.parse(text).error?.code;
  } catch {
    code = undefined;
  }
  return { status: r.status, code };
}

describe('web auth', () => {
  it('before the setup: no session, login says setup_required, every route answers 401', async () => {
    const c = new Client(t.base);
    const s = await c.get('/api/v1/auth/state');
    assert.deepEqual(s.body, { success: true, result: { setUp: false, loggedIn: false, dev: false } });
    const login = await c.post('/api/v1/auth/login', { password: 'whatever1' });
    assert.equal(login.status, 409);
    assert.equal(login.body.error.code, 'setup_required');
    const routes = (await registeredRoutes(t)).filter((r) => !PUBLIC.has(`${r.method} ${r.url}`));
    assert.ok(routes.length > 30, `${routes.length} routes`);
    for (const { method, url } of routes) {
      const r = await c.req(method, urlOf(url), SAFE.has(method) ? {} : { body: {} });
      assert.equal(r.status, 401, `${method} ${url}`);
      if (method === 'HEAD') continue;
      assert.equal(r.body.success, false);
      assert.equal(r.body.error.code, 'unauthorized', `${method} ${url}`);
      assert.equal(typeof r.body.error.message, 'string');
    }
  });

  it('the guard goes by the route that matched, whatever the spelling of the URL', async () => {
    for (const path of [
      '/%61pi/v1/config',
      '/api/v1/%63onfig',
      '/api/v1/config/',
      '/./api/v1/config',
      '/api/v1/config?x=1',
    ]) {
      const r = await fetch(t.base + path);
      assert.equal(r.status, 401, path);
    }
    // matches no API route: the UI's files, where there is no such file
    const r = await fetch(`${t.base}//api/v1/config`);
    assert.equal(r.status, 404);
    assert.doesNotMatch(await r.text(), /intercom/);
    assert.equal((await fetch(`${t.base}/assets/..%2f..%2fpackage.json`)).status, 404);
  });

  it('the setup code is in the log; setup refuses a wrong code and a weak password', async () => {
    const code = t.setupCode();
    assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const line = t.logs.find((l) => l.setupCode === code)!;
    assert.match(line.msg, new RegExp(`open http://127\\.0\\.0\\.1:${t.port}/ .*setup code ${code}`));
    const c = new Client(t.base);
    const wrong = await c.post('/api/v1/auth/setup', { code: 'AAAA-AAAA', password: PASSWORD });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error.code, 'wrong_setup_code');
    const weak = await c.post('/api/v1/auth/setup', { code, password: 'short' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error.code, 'weak_password');
    assert.deepEqual(weak.body.error.problems, [{ key: 'password', message: 'must be at least 8 characters' }]);
    const bad = await c.post('/api/v1/auth/setup', { code: 42 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_body');
  });

  it('setup sets the password and opens a session in an HttpOnly SameSite=Strict cookie; it is offered only once', async () => {
    const c = new Client(t.base);
    const r = await c.post('/api/v1/auth/setup', {
      code: t.setupCode().toLowerCase().replace('-', ' '),
      password: PASSWORD,
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result.user, 'admin');
    const cookie = r.headers.getSetCookie().find((x) => x.startsWith('portier_session='))!;
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\//);
    assert.doesNotMatch(cookie, /; Secure/); // plain HTTP here; HTTPS sets it (web-system test)
    c.csrf = r.body.result.csrfToken;
    const state = await c.get('/api/v1/auth/state');
    assert.equal(state.body.result.loggedIn, true);
    assert.equal(state.body.result.csrfToken, c.csrf);
    const again = await c.post('/api/v1/auth/setup', { code: 'ABCD-EFGH', password: PASSWORD });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'already_set_up');

    const file = join(t.dataDir, 'web', 'credentials.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, 'utf8');
    assert.doesNotMatch(text, new RegExp(PASSWORD));
    assert.match(JSON.parse(text).admin.hash, /^scrypt\$16384\$8\$1\$/);
    const sessions = await readFile(join(t.dataDir, 'web', 'sessions.json'), 'utf8');
    assert.doesNotMatch(sessions, new RegExp(c.cookie.split('=')[1]!));
  });

  it('every route: refused without credentials, with a wrong token, cross-site, or beyond the token scope; and no effect', async () => {
    const admin = new Client(t.base);
    assert.equal((await admin.login(PASSWORD)).status, 200);
    const tokens: Record<'read' | 'door' | 'admin', string> = { read: '', door: '', admin: '' };
    for (const scope of ['read', 'door', 'admin'] as const) {
      const r = await admin.post('/api/v1/auth/tokens', { name: `sweep ${scope}`, scope });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result.info.scope, scope);
      tokens[scope] = r.body.result.token;
    }
    const routes = await registeredRoutes(t);
    const outside = routes.filter((r) => !r.url.startsWith('/api/') && !PUBLIC.has(`${r.method} ${r.url}`));
    assert.deepEqual(outside, [], 'every route outside /api/ is a public UI route, listed above');
    const guarded = routes.filter((r) => !PUBLIC.has(`${r.method} ${r.url}`));

    // Everything the agent does is seen: every bus event, a restart, the config, relays, calls, files.
    const bus = t.agent.ctx.bus;
    const emitted: string[] = [];
    const emit = bus.emit;
    bus.emit = function <E extends keyof AgentEvents>(this: typeof bus, event: E, payload: AgentEvents[E]) {
      emitted.push(String(event));
      emit.call(this, event, payload);
    };
    const state = async () => ({
      restarts: t.restarts,
      config: JSON.stringify(t.agent.ctx.config.get()),
      relays: JSON.stringify(t.agent.ctx.services.relays?.states()),
      calls: JSON.stringify(t.agent.ctx.services.sip?.calls() ?? []),
      tokens: JSON.stringify(
        (await admin.get('/api/v1/auth/tokens')).body.result.tokens.map((x: { id: string }) => x.id),
      ),
      files: await dirSnapshot(t.dataDir),
    });
    const settle = async () => {
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      await fetch(`${t.base}/api/v1/auth/state`); // a round trip: what the server had queued has run
    };
    try {
      const before = await state();
      let refusals = 0;
      for (const { method, url, scope: declared } of guarded) {
        const route = `${method} ${url}`;
        const path = urlOf(url);
        const effect = EFFECT_BODIES[route] ?? (SAFE.has(method) ? {} : { body: {} });
        const body = effect.text ?? (effect.body === undefined ? undefined : JSON.stringify(effect.body));
        const type = effect.text !== undefined ? 'text/plain' : 'application/json';
        const withBody = (h: Record<string, string>) => (body === undefined ? h : { ...h, 'content-type': type });
        const expectRefused = async (
          what: string,
          headers: Record<string, string>,
          status: number,
          codes: string[],
        ) => {
          const r = await send(method, path, withBody(headers), body);
          assert.equal(r.status, status, `${route} ${what}: status`);
          if (method !== 'HEAD') assert.ok(codes.includes(r.code ?? ''), `${route} ${what}: ${r.code}`);
          refusals++;
        };
        await expectRefused('without credentials', {}, 401, ['unauthorized']);
        await expectRefused('with a wrong token', { authorization: `Bearer ptk_${'x'.repeat(43)}` }, 401, [
          'invalid_token',
        ]);
        if (!SAFE.has(method)) {
          // A form another site posts: the session cookie comes along, the CSRF token cannot.
          const r = await send(
            method,
            path,
            {
              cookie: admin.cookie,
              origin: 'http://evil.example',
              'content-type': 'application/x-www-form-urlencoded',
            },
            'a=b',
          );
          assert.equal(r.status, 403, `${route} cross-site form post`);
          assert.equal(r.code, 'csrf_failed', `${route} cross-site form post`);
          const sameSite = await send(method, path, withBody({ cookie: admin.cookie }), body);
          assert.equal(sameSite.code, 'csrf_failed', `${route} with the session but no CSRF token`);
          refusals += 2;
        }
        const needed = expectedScope(route);
        assert.equal(neededScope(method, declared), needed, `${route}: the scope the route declares`);
        for (const scope of ['read', 'door', 'admin'] as const) {
          const headers = { authorization: `Bearer ${tokens[scope]}` };
          if (RANK[scope] < RANK[needed]) {
            await expectRefused(`with a ${scope} token`, headers, 403, [
              needed === 'session' ? 'session_required' : 'forbidden',
            ]);
          } else if (SAFE.has(method)) {
            // A read it may do: not refused by the guard (the not-dev simulation answers 403 not_dev).
            const r = await send(method, path, headers);
            assert.ok(
              r.status !== 401 && !REFUSED.has(r.code ?? ''),
              `${route} with a ${scope} token: ${r.status} ${r.code}`,
            );
          }
        }
        await settle();
        assert.deepEqual(emitted, [], `${route}: no bus event`);
        assert.deepEqual(await state(), before, `${route}: no effect`);
      }
      assert.ok(refusals > 150, `${refusals} refusals checked`);
    } finally {
      bus.emit = emit;
    }

    // The same requests with the right credentials do have effects (the sweep would see them).
    const door = new Client(t.base);
    door.token = tokens.door;
    const opened = await door.post('/api/v1/relays/1/trigger');
    assert.equal(opened.status, 200, opened.text);
    const a = new Client(t.base);
    a.token = tokens.admin;
    assert.equal((await a.req('PATCH', '/api/v1/config', EFFECT_BODIES['PATCH /api/v1/config'])).status, 200);
    assert.equal(t.agent.ctx.config.get().intercom.maxCallTime, 17);
    const restarts = t.restarts;
    assert.equal((await a.post('/api/v1/system/reboot')).status, 200);
    await until(() => t.restarts === restarts + 1, 'the restart of an authorized reboot');
    for (const scope of ['read', 'door', 'admin'] as const) {
      const id = (await admin.get('/api/v1/auth/tokens')).body.result.tokens.find(
        (x: { name: string }) => x.name === `sweep ${scope}`,
      ).id;
      assert.equal((await admin.req('DELETE', `/api/v1/auth/tokens/${id}`)).status, 200);
    }
  });

  it('a state change needs the CSRF token and a same-origin request', async () => {
    const c = new Client(t.base);
    assert.equal((await c.login(PASSWORD)).status, 200);
    const noToken = await c.req('POST', '/api/v1/relays/1/trigger', { body: {}, csrf: false });
    assert.equal(noToken.status, 403);
    assert.equal(noToken.body.error.code, 'csrf_failed');
    const wrongToken = await c.req('POST', '/api/v1/relays/1/trigger', {
      body: {},
      csrf: false,
      headers: { 'x-csrf-token': 'x'.repeat(32) },
    });
    assert.equal(wrongToken.status, 403);
    const foreign = await c.req('POST', '/api/v1/relays/1/trigger', {
      body: {},
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(foreign.status, 403);
    assert.match(foreign.body.error.message, /Origin/);
    const crossSite = await c.req('PATCH', '/api/v1/config', { body: {}, headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.status, 403);
    const sameSite = await c.req('PATCH', '/api/v1/config', { body: {}, headers: { 'sec-fetch-site': 'same-site' } });
    assert.equal(sameSite.status, 403, 'another port of the same host is same-site, not same-origin');
    const form = await c.req('POST', '/api/v1/auth/login', {
      text: 'password=x',
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(form.status, 403, 'login refuses cross-site requests too');
    const ok = await c.req('POST', '/api/v1/relays/1/trigger', {
      body: {},
      headers: { origin: t.base, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(ok.status, 200, ok.text);
    // reads need the session but no token
    assert.equal((await c.get('/api/v1/system/info')).status, 200);
  });

  it('simulated inputs exist only in the dev run', async () => {
    const c = new Client(t.base);
    await c.login(PASSWORD);
    const r = await c.get('/api/v1/sim/lines');
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'not_dev');
    assert.equal((await c.post('/api/v1/sim/lines/EXIT_BUTTON/press')).status, 403);
  });

  it('login: a wrong password says how many attempts are left; logout ends the session', async () => {
    const c = new Client(t.base);
    const wrong = await c.post('/api/v1/auth/login', { password: 'not the password' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'wrong_password');
    assert.equal(wrong.body.error.attemptsLeft, 9);
    assert.equal((await c.login(PASSWORD)).status, 200, 'a success resets the count');
    const out = await c.post('/api/v1/auth/logout');
    assert.equal(out.status, 200);
    assert.match(out.headers.getSetCookie()[0]!, /^portier_session=;/);
    c.cookie = c.cookie || 'portier_session=stale';
    const after = await c.get('/api/v1/system/status');
    assert.equal(after.status, 401);
  });

  it('API tokens: created from a session, sent as Bearer without CSRF, unable to make tokens, revocable', async () => {
    const admin = new Client(t.base);
    await admin.login(PASSWORD);
    const badName = await admin.post('/api/v1/auth/tokens', { name: '', scope: 'read' });
    assert.equal(badName.status, 400);
    assert.deepEqual(badName.body.error.problems, [{ key: 'name', message: 'must not be empty' }]);
    const noScope = await admin.post('/api/v1/auth/tokens', { name: 'Home Assistant', scope: 'root' });
    assert.equal(noScope.status, 400);
    assert.deepEqual(noScope.body.error.problems, [{ key: 'scope', message: 'must be one of read, door, admin' }]);
    const made = await admin.post('/api/v1/auth/tokens', { name: 'Home Assistant', scope: 'admin' });
    assert.equal(made.status, 200, made.text);
    const { token, info } = made.body.result;
    assert.match(token, /^ptk_[A-Za-z0-9_-]{43}$/);
    const list = await admin.get('/api/v1/auth/tokens');
    assert.deepEqual(
      list.body.result.tokens.map((x: { id: string; name: string; scope: string }) => [x.id, x.name, x.scope]),
      [[info.id, 'Home Assistant', 'admin']],
    );
    assert.doesNotMatch(await readFile(join(t.dataDir, 'web', 'credentials.json'), 'utf8'), new RegExp(token));

    const integrator = new Client(t.base);
    integrator.token = token;
    assert.equal((await integrator.post('/api/v1/relays/2/trigger')).status, 200);
    const door = await integrator.get('/api/v1/logs/door');
    assert.equal(door.body.result.entries[0].by, 'token:Home Assistant');
    const mint = await integrator.post('/api/v1/auth/tokens', { name: 'more' });
    assert.equal(mint.status, 403);
    assert.equal(mint.body.error.code, 'session_required');
    const pw = await integrator.post('/api/v1/auth/password', { current: PASSWORD, password: 'x'.repeat(12) });
    assert.equal(pw.status, 403);

    assert.equal((await admin.req('DELETE', `/api/v1/auth/tokens/${info.id}`)).status, 200);
    const revoked = await integrator.get('/api/v1/system/status');
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error.code, 'invalid_token');
    assert.equal((await admin.req('DELETE', `/api/v1/auth/tokens/${info.id}`)).status, 404);
  });

  it('request bodies have size limits (413) and a content type (415)', async () => {
    const c = new Client(t.base);
    await c.login(PASSWORD);
    const big = await c.req('PATCH', '/api/v1/config', {
      body: JSON.stringify({ identity: { location: 'x'.repeat(70_000) } }),
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, 'payload_too_large');
    const autop = await c.req('POST', '/api/v1/config/autop', { text: `# ${'x'.repeat(1_100_000)}\n` });
    assert.equal(autop.status, 413);
    const form = await c.req('PATCH', '/api/v1/config', {
      text: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 415);
    assert.equal(form.body.error.code, 'unsupported_media_type');
    const broken = await c.req('PATCH', '/api/v1/config', { body: '{"intercom":' });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, 'invalid_body');
    const unknown = await c.get('/api/v1/nope');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'not_found');
  });

  it('changing the password needs the current one and ends the other sessions', async () => {
    const a = new Client(t.base);
    const b = new Client(t.base);
    await a.login(PASSWORD);
    await b.login(PASSWORD);
    const wrong = await a.post('/api/v1/auth/password', { current: 'nope nope', password: 'another good one' });
    assert.equal(wrong.status, 401);
    const weak = await a.post('/api/v1/auth/password', { current: PASSWORD, password: 'password' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error.message, 'password is too common');
    const ok = await a.post('/api/v1/auth/password', { current: PASSWORD, password: 'another good one' });
    assert.equal(ok.status, 200);
    assert.equal((await a.get('/api/v1/system/status')).status, 200);
    assert.equal((await b.get('/api/v1/system/status')).status, 401);
    assert.equal((await new Client(t.base).login('another good one')).status, 200);
    await a.post('/api/v1/auth/password', { current: 'another good one', password: PASSWORD });
  });

  it('10 wrong passwords lock the login (429 with Retry-After), even for the right password', async () => {
    const c = new Client(t.base);
    const codes: string[] = [];
    for (let i = 0; i < 10; i++)
      codes.push((await c.post('/api/v1/auth/login', { password: `wrong ${i}` })).body.error.code);
    assert.deepEqual(codes, [...Array(9).fill('wrong_password'), 'login_locked']);
    const right = await c.post('/api/v1/auth/login', { password: PASSWORD });
    assert.equal(right.status, 429);
    assert.equal(right.body.error.code, 'login_locked');
    const retry = Number(right.headers.get('retry-after'));
    assert.ok(retry > 0 && retry <= 300, `Retry-After ${retry}: the 5-minute lockout`);
    assert.match(right.body.error.message, /too many failed attempts/);
    assert.ok(t.logs.some((l) => /login locked after 10 failed attempts/.test(l.msg)));
  });
});
