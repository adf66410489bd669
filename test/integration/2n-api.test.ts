/**
 * The 2N HTTP API subset over real HTTP, with API users authenticated as 2N devices do it: HTTP
 * Digest (SHA-256 and MD5, qop=auth) by a client written as integrators' drivers do it
 * (test/harness/digest-client.ts), and HTTP Basic. switch/ctrl opens through the door owner and
 * the door log names the API user; log/subscribe + log/pull sees the key press and the switch
 * change with 2N's event names; bad parameters get 2N's error codes; without credentials 401 and
 * nothing happens.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { DigestClient, digestChallenges } from '../harness/digest-client.ts';
import { Client, startAgent, type TestAgent, until } from './web-support.ts';

const PW = 'integrator pass 1';
let t: TestAgent;
let admin: Client;
const opened: AgentEvents['door.opened'][] = [];

before(async () => {
  t = await startAgent({ dev: false });
  admin = new Client(t.base);
  assert.equal((await admin.setup(t)).status, 200);
  t.agent.ctx.bus.on('door.opened', (e) => void opened.push(e));
});
after(async () => {
  await t?.stop();
});

const digest = (user: string, algorithm: 'MD5' | 'SHA-256' = 'SHA-256', password = PW) =>
  new DigestClient(t.base, { kind: 'digest', user, password, algorithm });
const relayOn = () => t.agent.ctx.services.relays!.states()[0]!.on;

describe('2N HTTP API', () => {
  it('API users are off by default: Basic and Digest are refused, and no challenge is offered', async () => {
    const r = await new DigestClient(t.base, { kind: 'basic', user: 'x', password: 'y' }).get('/api/system/info');
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), null);
    const list = await admin.get('/api/v1/auth/api-users');
    assert.deepEqual(list.body.result, { enabled: false, users: [] });
  });

  it('the admin session turns them on and creates users; only HA1 hashes are stored, mode 0600', async () => {
    assert.equal((await admin.post('/api/v1/auth/api-users/enabled', { enabled: true })).status, 200);
    const weak = await admin.post('/api/v1/auth/api-users', { user: 'integrator', password: 'short', scope: 'door' });
    assert.equal(weak.body.error.code, 'weak_password');
    for (const [user, scope] of [
      ['integrator', 'door'],
      ['watcher', 'read'],
    ]) {
      const r = await admin.post('/api/v1/auth/api-users', { user, password: PW, scope });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.body.result.user).sort(), ['createdAt', 'id', 'scope', 'user']);
    }
    const list = await admin.get('/api/v1/auth/api-users');
    assert.doesNotMatch(list.text, /ha1|hash|pass/i);
    const file = join(t.dataDir, 'web', 'api-users.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, 'utf8');
    assert.doesNotMatch(text, new RegExp(PW));
    assert.match(JSON.parse(text).users[0].ha1['SHA-256'], /^[0-9a-f]{64}$/);
  });

  it('without credentials: 401 with Digest (SHA-256, MD5) and Basic challenges, and the relay stays off', async () => {
    const r = await fetch(`${t.base}/api/switch/ctrl?switch=1&action=trigger`);
    assert.equal(r.status, 401);
    const challenges = digestChallenges(r.headers);
    assert.deepEqual(
      challenges.map((c) => [c.algorithm, c.qop, c.realm]),
      [
        ['SHA-256', 'auth', 'Portier API'],
        ['MD5', 'auth', 'Portier API'],
      ],
    );
    assert.match(r.headers.get('www-authenticate')!, /Basic realm="Portier API"/);
    assert.equal(relayOn(), false);
    assert.equal(opened.length, 0);
  });

  it('system/info and the others answer in 2N shapes, with Digest SHA-256, Digest MD5 and Basic', async () => {
    for (const c of [
      digest('watcher', 'SHA-256'),
      digest('watcher', 'MD5'),
      new DigestClient(t.base, { kind: 'basic', user: 'watcher', password: PW }),
    ]) {
      const r = await c.get('/api/system/info');
      assert.equal(r.status, 200, `${c.auth.kind} ${c.auth.algorithm}: ${r.text}`);
      assert.equal(r.body.success, true);
      for (const k of ['variant', 'serialNumber', 'hwVersion', 'swVersion', 'buildType', 'deviceName', 'macAddr'])
        assert.ok(k in r.body.result, k);
    }
    const c = digest('watcher');
    const caps = await c.get('/api/switch/caps');
    assert.deepEqual(caps.body.result.switches[0], {
      switch: 1,
      enabled: true,
      mode: 'monostable',
      switchOnDuration: 3,
      type: 'normal',
    });
    assert.deepEqual((await c.get('/api/switch/status')).body.result.switches[0], {
      switch: 1,
      active: false,
      locked: false,
      held: false,
    });
    assert.deepEqual((await c.get('/api/io/caps')).body.result.ports[0], { port: 'input1', type: 'input' });
    assert.deepEqual((await c.get('/api/io/status')).body.result.ports[0], { port: 'input1', state: 0 });
    assert.deepEqual((await c.get('/api/call/status')).body.result, { sessions: [] });
    assert.deepEqual((await c.get('/api/camera/caps')).body.result, { jpegResolution: [], sources: [] });
    const status = (await c.get('/api/system/status')).body.result;
    assert.equal(typeof status.systemTime, 'number');
    assert.equal(typeof status.upTime, 'number');
    assert.ok((await c.get('/api/log/caps')).body.result.events.includes('KeyPressed'));
  });

  it('wrong password, unknown user and a replayed Digest header are refused', async () => {
    assert.equal((await digest('integrator', 'SHA-256', 'wrong password').get('/api/system/info')).status, 401);
    assert.equal((await digest('nobody').get('/api/system/info')).status, 401);
    const basic = new DigestClient(t.base, { kind: 'basic', user: 'integrator', password: 'nope nope' });
    assert.equal((await basic.get('/api/system/info')).status, 401);
    const c = digest('watcher');
    assert.equal((await c.get('/api/system/status')).status, 200);
    const header = c.authorization('GET', '/api/system/status')!;
    const once = await fetch(`${t.base}/api/system/status`, { headers: { authorization: header } });
    assert.equal(once.status, 200);
    const again = await fetch(`${t.base}/api/system/status`, { headers: { authorization: header } });
    assert.equal(again.status, 401, 'the same nonce count again is a replay');
    const otherUri = c.authorization('GET', '/api/system/status');
    const moved = await fetch(`${t.base}/api/system/info`, { headers: { authorization: otherUri! } });
    assert.equal(moved.status, 401, 'a response made for another URI');
  });

  it('a read-scope user cannot switch: 403 and no effect', async () => {
    const r = await digest('watcher').get('/api/switch/ctrl?switch=1&action=trigger');
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'forbidden');
    assert.equal(relayOn(), false);
    assert.equal(opened.length, 0);
  });

  it('log/subscribe + log/pull see the key press and the switch change; switch/ctrl by Digest names the API user', async () => {
    const c = digest('integrator');
    const sub = await c.get('/api/log/subscribe?filter=KeyPressed,SwitchStateChanged,DoorOpened');
    assert.equal(sub.body.success, true, sub.text);
    const id = sub.body.result.id;
    assert.equal(typeof id, 'number');

    const { simGpio, inputs } = t.agent.ctx.services;
    simGpio!.press('PUSH_BUTTON');
    await until(() => inputs!.states()[0]!.active, 'the press');
    simGpio!.release('PUSH_BUTTON');

    const ctrl = await c.get('/api/switch/ctrl?switch=1&action=trigger');
    assert.deepEqual(ctrl.body, { success: true });
    assert.equal(relayOn(), true);
    assert.equal(opened.length, 1);
    assert.equal(opened[0]!.method, 'api');
    assert.equal(opened[0]!.actor, 'api:integrator');
    const entry = await until(() => t.agent.ctx.services.doorLog!.page({ limit: 1 }).entries[0], 'the door log');
    assert.equal(entry.method, 'api');
    assert.equal(entry.by, 'api:integrator');

    const events: { event: string; params: Record<string, unknown>; id: number; utcTime: number }[] = [];
    while (!events.some((e) => e.event === 'SwitchStateChanged')) {
      const pull = await c.get(`/api/log/pull?id=${id}&timeout=5`);
      assert.equal(pull.body.success, true, pull.text);
      events.push(...pull.body.result.events);
    }
    const key = events.find((e) => e.event === 'KeyPressed')!;
    assert.deepEqual(key.params, { key: '%1' });
    assert.equal(typeof key.id, 'number');
    assert.equal(typeof key.utcTime, 'number');
    assert.deepEqual(events.find((e) => e.event === 'SwitchStateChanged')!.params, { switch: 1, state: true });
    assert.deepEqual(events.find((e) => e.event === 'DoorOpened')!.params, {
      switch: 1,
      name: 'Door',
      method: 'api',
      actor: 'api:integrator',
    });
    assert.ok(events.every((e) => ['KeyPressed', 'SwitchStateChanged', 'DoorOpened'].includes(e.event)));
    // someone else's channel is not theirs to pull
    const other = await digest('watcher').get(`/api/log/pull?id=${id}`);
    assert.equal(other.body.error.code, 12);
    assert.deepEqual((await c.get(`/api/log/unsubscribe?id=${id}`)).body, { success: true });
    assert.equal((await c.get(`/api/log/pull?id=${id}`)).body.error.code, 12);
  });

  it("bad parameters get 2N's error codes, naming the parameter, and do nothing", async () => {
    const c = digest('integrator');
    const before = opened.length;
    const cases: [string, number, string][] = [
      ['/api/switch/ctrl?action=trigger', 11, 'switch'],
      ['/api/switch/ctrl?switch=1', 11, 'action'],
      ['/api/switch/ctrl?switch=9&action=trigger', 12, 'switch'],
      ['/api/switch/ctrl?switch=one&action=trigger', 12, 'switch'],
      ['/api/switch/ctrl?switch=1&action=explode', 12, 'action'],
      ['/api/call/dial', 11, 'number'],
      ['/api/call/dial?number=a%20b', 12, 'number'],
      ['/api/call/answer?session=x', 12, 'session'],
      ['/api/call/hangup?session=77', 12, 'session'],
      ['/api/log/subscribe?filter=Nonsense', 12, 'filter'],
      ['/api/log/subscribe?duration=0', 12, 'duration'],
      ['/api/log/pull', 11, 'id'],
      ['/api/log/pull?id=12345', 12, 'id'],
    ];
    for (const [uri, code, param] of cases) {
      const r = await c.get(uri);
      assert.equal(r.status, 200, uri);
      assert.equal(r.body.success, false, uri);
      assert.equal(r.body.error.code, code, `${uri}: ${r.text}`);
      assert.equal(r.body.error.param, param, uri);
      assert.equal(typeof r.body.error.description, 'string');
    }
    assert.equal(opened.length, before);
  });

  it('wrong Basic or Digest passwords count toward the login lockout of the address (last: it locks 127.0.0.1)', async () => {
    const wrong = new DigestClient(t.base, { kind: 'basic', user: 'integrator', password: 'guess guess' });
    let r = await wrong.get('/api/system/info');
    for (let i = 0; i < 20 && r.status === 401; i++) r = await wrong.get('/api/system/info');
    assert.equal(r.status, 429);
    assert.equal(r.body.error.code, 'login_locked');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    const right = await digest('integrator').get('/api/switch/ctrl?switch=2&action=trigger');
    assert.equal(right.status, 429, 'locked even with the right password');
    assert.equal(t.agent.ctx.services.relays!.states()[1]!.on, false);
  });
});
