/**
 * Web security over real HTTP: first-run setup with the one-time code from the log, sessions in
 * HttpOnly SameSite=Strict cookies, CSRF checks, 401 on every route without auth, API tokens,
 * password change, body limits, and the login lockout after 10 wrong passwords.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, startAgent, type TestAgent } from './web-support.ts';

const PASSWORD = 'correct horse battery';
let t: TestAgent;

before(async () => {
  t = await startAgent({ dev: false });
});
after(async () => {
  await t?.stop();
});

/** Every route of the API (the auth routes that must stay reachable are checked separately). */
const ROUTES: [string, string][] = [
  ['GET', '/api/v1/system/info'],
  ['GET', '/api/v1/system/status'],
  ['POST', '/api/v1/system/reboot'],
  ['GET', '/api/v1/config'],
  ['PATCH', '/api/v1/config'],
  ['GET', '/api/v1/config/schema'],
  ['GET', '/api/v1/config/intercom.maxCallTime'],
  ['PUT', '/api/v1/config/intercom.maxCallTime'],
  ['POST', '/api/v1/config/validate'],
  ['GET', '/api/v1/config/autop'],
  ['POST', '/api/v1/config/autop'],
  ['GET', '/api/v1/relays'],
  ['GET', '/api/v1/relays/1'],
  ['POST', '/api/v1/relays/1/trigger'],
  ['POST', '/api/v1/relays/1/on'],
  ['POST', '/api/v1/relays/1/off'],
  ['GET', '/api/v1/inputs'],
  ['GET', '/api/v1/sim/lines'],
  ['POST', '/api/v1/sim/lines/EXIT_BUTTON/press'],
  ['GET', '/api/v1/calls'],
  ['POST', '/api/v1/calls'],
  ['POST', '/api/v1/calls/x/answer'],
  ['POST', '/api/v1/calls/x/hangup'],
  ['POST', '/api/v1/calls/x/dtmf'],
  ['GET', '/api/v1/logs/calls'],
  ['GET', '/api/v1/logs/door'],
  ['GET', '/api/v1/events'],
  ['GET', '/api/v1/log/subscribe'],
  ['POST', '/api/v1/log/subscribe'],
  ['GET', '/api/v1/log/pull?id=x'],
  ['POST', '/api/v1/log/unsubscribe?id=x'],
  ['POST', '/api/v1/auth/logout'],
  ['POST', '/api/v1/auth/password'],
  ['GET', '/api/v1/auth/tokens'],
  ['POST', '/api/v1/auth/tokens'],
  ['DELETE', '/api/v1/auth/tokens/tok_x'],
];

describe('web auth', () => {
  it('before the setup: no session, login says setup_required, every route answers 401', async () => {
    const c = new Client(t.base);
    const s = await c.get('/api/v1/auth/state');
    assert.deepEqual(s.body, { success: true, result: { setUp: false, loggedIn: false, dev: false } });
    const login = await c.post('/api/v1/auth/login', { password: 'whatever1' });
    assert.equal(login.status, 409);
    assert.equal(login.body.error.code, 'setup_required');
    for (const [method, path] of ROUTES) {
      const r = await c.req(method, path, method === 'GET' ? {} : { body: {} });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.body.success, false);
      assert.equal(r.body.error.code, 'unauthorized', `${method} ${path}`);
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
    const r = await fetch(`${t.base}//api/v1/config`);
    assert.equal(r.status, 403);
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
    const badName = await admin.post('/api/v1/auth/tokens', { name: '' });
    assert.equal(badName.status, 400);
    assert.deepEqual(badName.body.error.problems, [{ key: 'name', message: 'must not be empty' }]);
    const made = await admin.post('/api/v1/auth/tokens', { name: 'Home Assistant' });
    assert.equal(made.status, 200, made.text);
    const { token, info } = made.body.result;
    assert.match(token, /^ptk_[A-Za-z0-9_-]{43}$/);
    const list = await admin.get('/api/v1/auth/tokens');
    assert.deepEqual(
      list.body.result.tokens.map((x: { id: string; name: string }) => [x.id, x.name]),
      [[info.id, 'Home Assistant']],
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
