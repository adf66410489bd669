/**
 * The SIP engine driving a real baresip against a real kamailio and real baresip peers, all on
 * 127.0.0.1: registration, calls by extension, direct IP and static-IP calls, refusals, the
 * dial-out timeout, DTMF both ways, UDP and TCP, supervision, the control socket.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { CallInfo } from '../../sip/index.ts';
import { BaresipPeer } from '../harness/baresip-peer.ts';
import { pbxAccount, startEngine, type TestEngine } from '../harness/engine.ts';
import { type Kamailio, startKamailio } from '../harness/kamailio.ts';
import { freeSipPort } from '../harness/ports.ts';
import { stopAll } from '../harness/processes.ts';

describe('SIP engine on baresip, with kamailio and baresip peers', () => {
  let pbx: Kamailio;
  let e1: TestEngine; // accounts: 1 = 1001 (UDP), 2 = 1004 (wrong password), 3 = 1005 (TCP)
  let monitor: BaresipPeer; // 1002 over UDP, answers when told
  let tcpMonitor: BaresipPeer; // 1003 over TCP, answers by itself
  let staticPort: number;
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    staticPort = await freeSipPort(2);
    pbx = await startKamailio({
      subscribers: 5,
      rejects: { '1099': 603 },
      trusted: [{ port: staticPort, user: '2001' }],
    });
    stops.push(() => pbx.stop());
    const [s1, s2, s3, s4, s5] = pbx.subscribers as [never, never, never, never, never];
    [monitor, tcpMonitor] = await Promise.all([
      BaresipPeer.start({ name: 'monitor', register: { pbx, subscriber: s2 } }),
      BaresipPeer.start({ name: 'tcp-monitor', answer: 'auto', register: { pbx, subscriber: s3, transport: 'tcp' } }),
    ]);
    stops.push(
      () => monitor.stop(),
      () => tcpMonitor.stop(),
    );
    e1 = await startEngine({
      accounts: [
        pbxAccount(pbx, s1),
        pbxAccount(pbx, s4, { id: '2', password: 'wrong-password' }),
        pbxAccount(pbx, s5, { id: '3', transport: 'tcp' }),
      ],
    });
    stops.push(() => e1.stop());
  });

  after(async () => {
    await Promise.allSettled(stops.map((s) => s()));
    await stopAll();
  });

  const closedOf = (e: TestEngine, call: CallInfo) => e.waitFor('call.closed', (p) => p.call.id === call.id);

  it('registers; a wrong password fails once, with the reason, and no retry storm', async () => {
    await e1.waitFor('registration', (r) => r.account === '1' && r.state === 'registered');
    const failed = await e1.waitFor('registration', (r) => r.account === '2' && r.state === 'failed');
    assert.equal(failed.code, 401);
    assert.match(failed.reason ?? '', /401/);
    const user = pbx.subscribers[3]!.user;
    // baresip's own burst (16 REGISTER/401 pairs in a few ms) may still be reaching kamailio's log
    // when the failure is reported: take the count once it has settled for 500 ms. The engine's
    // retry after an authentication failure comes minutes later, so any REGISTER in the 2.5 s
    // after that would be a retry storm.
    let atFailure = pbx.count('REGISTER', user);
    for (let tick = 0, quiet = 0; quiet < 5 && tick < 50; tick++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = pbx.count('REGISTER', user);
      quiet = now === atFailure ? quiet + 1 : 0;
      atFailure = now;
    }
    await new Promise((r) => setTimeout(r, 2500));
    const later = pbx.count('REGISTER', user);
    assert.equal(later, atFailure, 'no REGISTER after the failure');
    assert.ok(atFailure <= 17, `one burst of baresip at most (${atFailure} REGISTERs)`);
    assert.equal(e1.of('registration').filter((r) => r.account === '2' && r.state === 'failed').length, 1);
    assert.deepEqual(
      e1.engine.registrations().map((r) => [r.account, r.state]),
      [
        ['1', 'registered'],
        ['2', 'failed'],
        ['3', 'registered'],
      ],
    );
  });

  it('calls an extension through the PBX; DTMF arrives in order both ways; the remote hangs up', async () => {
    monitor.clear();
    const call = e1.engine.dial(pbx.subscribers[1]!.user, { account: '1' });
    assert.ok(call.id);
    assert.equal(call.state, 'dialing');
    await e1.waitFor('call.outgoing', (p) => p.call.id === call.id);
    const invite = await monitor.waitFor('CALL_INCOMING');
    assert.match(String(invite.peeruri), /sip:1001@/);
    await e1.waitFor('call.ringing', (p) => p.call.id === call.id);
    await monitor.answer();
    const est = await e1.waitFor('call.established', (p) => p.call.id === call.id);
    assert.equal(est.call.account, '1');
    await e1.waitFor('call.media', (p) => p.call.id === call.id);
    await monitor.waitFor('CALL_RTPESTAB');

    await monitor.sendDtmf('1234#');
    await e1.waitFor('call.dtmf', (p) => p.call.id === call.id && p.digit === '#');
    const got = e1
      .of('call.dtmf')
      .filter((p) => p.call.id === call.id)
      .map((p) => p.digit)
      .join('');
    assert.equal(got, '1234#');

    await e1.engine.sendDtmf(call.id, '9*0');
    await monitor.waitFor('CALL_DTMF_START', (e) => e.param === '0');
    assert.equal(monitor.digits(), '9*0');

    await monitor.hangup();
    const closed = await closedOf(e1, call);
    assert.equal(closed.end.reason, 'remote hangup');
    assert.deepEqual(e1.engine.calls(), []);
  });

  it('ends with the code of a refusal: busy 486, declined 603, unknown 404', async () => {
    monitor.clear();
    const busy = e1.engine.dial(pbx.subscribers[1]!.user, { account: '1' });
    await monitor.waitFor('CALL_INCOMING');
    await monitor.reject();
    assert.equal((await closedOf(e1, busy)).end.code, 486);

    const declined = e1.engine.dial('1099', { account: '1' });
    const d = await closedOf(e1, declined);
    assert.equal(d.end.code, 603);
    assert.match(d.end.reason, /^603/);

    const unknown = e1.engine.dial('1098', { account: '1' });
    assert.equal((await closedOf(e1, unknown)).end.code, 404);
  });

  it('receives a call on its account, rejects one and answers the next; hangs up', async () => {
    monitor.clear();
    await monitor.dial(`sip:1001@${pbx.host}:${pbx.port}`);
    const ringing = await e1.waitFor('call.incoming', (p) => p.call.account === '1');
    assert.match(ringing.call.peer, /sip:1002@/);
    assert.equal(e1.engine.calls()[0]?.state, 'incoming');
    await e1.engine.reject(ringing.call.id, 603);
    const rejected = await closedOf(e1, ringing.call);
    assert.equal(rejected.end.code, 486, 'baresip 1.0.0 rejects with 486 whatever the code asked');
    const atPeer = await monitor.waitFor('CALL_CLOSED');
    assert.match(String(atPeer.param), /^486/);

    monitor.clear();
    await monitor.dial(`sip:1001@${pbx.host}:${pbx.port}`);
    const second = await e1.waitFor('call.incoming', (p) => p.call.id !== ringing.call.id);
    await e1.engine.answer(second.call.id);
    await e1.waitFor('call.established', (p) => p.call.id === second.call.id);
    await monitor.waitFor('CALL_ESTABLISHED');
    await e1.engine.hangup(second.call.id);
    assert.equal((await closedOf(e1, second.call)).end.reason, 'local hangup');
    await monitor.waitFor('CALL_CLOSED');
  });

  it('calls a device by IP with no server, and takes a direct IP call', async () => {
    monitor.clear();
    const call = e1.engine.dial(monitor.directUri);
    assert.equal(call.account, null);
    await monitor.waitFor('CALL_INCOMING', (e) => String(e.accountaor).startsWith('sip:monitor@'));
    await monitor.answer();
    await e1.waitFor('call.established', (p) => p.call.id === call.id);
    await monitor.hangup();
    await closedOf(e1, call);

    // A bare address is called as sip:<direct IP user>@address.
    const direct = await BaresipPeer.start({ name: 'portier-peer', user: 'portier', answer: 'auto' });
    stops.push(() => direct.stop());
    const bare = e1.engine.dial(`127.0.0.1:${direct.sipPort}`);
    await e1.waitFor('call.established', (p) => p.call.id === bare.id);
    await e1.engine.hangup(bare.id);
    await closedOf(e1, bare);

    monitor.clear();
    await monitor.dial(`sip:portier@127.0.0.1:${e1.settings.sipPort}`);
    const incoming = await e1.waitFor('call.incoming', (p) => p.call.account === null);
    assert.match(incoming.call.peer, /1002|monitor/);
    await e1.engine.hangup(incoming.call.id);
    const closed = await closedOf(e1, incoming.call);
    assert.equal(closed.end.code, 486);
  });

  it('ends a call to an address that never answers at its own dial-out timeout', async () => {
    const silent = await freeSipPort(1); // nothing listens there
    const call = e1.engine.dial(`sip:nobody@127.0.0.1:${silent}`, { timeoutMs: 1500 });
    const closed = await closedOf(e1, call);
    assert.equal(closed.end.reason, 'dial-out timeout');
    assert.equal(closed.end.code, undefined);
  });

  it('works over TCP: registers and calls a peer registered over TCP', async () => {
    await e1.waitFor('registration', (r) => r.account === '3' && r.state === 'registered');
    assert.ok(pbx.count('REGISTER', pbx.subscribers[4]!.user, 'tcp') >= 1);
    assert.equal(pbx.count('REGISTER', pbx.subscribers[4]!.user, 'udp'), 0);
    tcpMonitor.clear();
    const call = e1.engine.dial(pbx.subscribers[2]!.user, { account: '3' });
    await e1.waitFor('call.established', (p) => p.call.id === call.id);
    assert.ok(pbx.count('INVITE', pbx.subscribers[4]!.user, 'tcp') >= 1);
    await tcpMonitor.waitFor('CALL_ESTABLISHED');
    await e1.engine.hangup(call.id);
    await closedOf(e1, call);
    await tcpMonitor.waitFor('CALL_CLOSED');
  });

  it('static-IP account: no registration, calls go to the PBX and come from it', async () => {
    const e2 = await startEngine({
      settings: { sipPort: staticPort, directIp: false },
      accounts: [pbxAccount(pbx, { user: '2001', password: '' }, { mode: 'static-ip' })],
    });
    stops.push(() => e2.stop());
    assert.deepEqual(e2.engine.registrations(), [
      { account: '1', state: 'unregistered', reason: 'static-ip mode: no registration' },
    ]);
    assert.equal(pbx.count('REGISTER', '2001'), 0);
    monitor.clear();
    const call = e2.engine.dial(pbx.subscribers[1]!.user, { account: '1' });
    const invite = await monitor.waitFor('CALL_INCOMING');
    assert.match(String(invite.peeruri), /sip:2001@/);
    await monitor.answer();
    await e2.waitFor('call.established', (p) => p.call.id === call.id);
    await e2.engine.hangup(call.id);
    await closedOf(e2, call);

    monitor.clear();
    await monitor.dial(`sip:2001@${pbx.host}:${pbx.port}`);
    const incoming = await e2.waitFor('call.incoming');
    assert.equal(incoming.call.account, '1');
    await e2.engine.answer(incoming.call.id);
    await monitor.waitFor('CALL_ESTABLISHED');
    await monitor.hangup();
    await closedOf(e2, incoming.call);
    assert.throws(() => e2.engine.dial('127.0.0.1'), /direct IP calls are disabled/);
  });

  it('listens for control only on 127.0.0.1', () => {
    const pid = e1.engine.pid!;
    const lines = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(`pid=${pid},`));
    const ctrl = lines.filter((l) => l.includes(`:${e1.engine.ctrlPort} `));
    assert.equal(ctrl.length, 1, `one listener on the control port:\n${lines.join('\n')}`);
    assert.match(ctrl[0]!, new RegExp(`\\s127\\.0\\.0\\.1:${e1.engine.ctrlPort}\\s`));
    for (const l of lines) assert.doesNotMatch(l, /\s(0\.0\.0\.0|\*|\[::\]):\d+\s/, `nothing on all addresses: ${l}`);
  });

  it('re-registers at once when the password is corrected; removing an account unregisters it', async () => {
    const [s1, , , s4, s5] = pbx.subscribers as [never, never, never, { user: string; password: string }, never];
    await e1.engine.setAccounts([
      pbxAccount(pbx, s1),
      pbxAccount(pbx, s4, { id: '2' }),
      pbxAccount(pbx, s5, { id: '3', transport: 'tcp' }),
    ]);
    await e1.waitFor('registration', (r) => r.account === '2' && r.state === 'registered');
    await e1.engine.setAccounts([pbxAccount(pbx, s1), pbxAccount(pbx, s5, { id: '3', transport: 'tcp' })]);
    await e1.waitFor('registration', (r) => r.account === '2' && r.state === 'unregistered');
    assert.deepEqual(
      e1.engine.registrations().map((r) => r.account),
      ['1', '3'],
    );
  });

  it('restarts a baresip killed with SIGKILL, registers again, and takes one call (no stale binding)', async (t) => {
    const before = e1.engine.pid!;
    const n = e1.events.length;
    const killedAt = performance.now();
    process.kill(before, 'SIGKILL');
    await e1.waitFor('engine.down', undefined, 10_000, n);
    const ready = await e1.waitFor('engine.ready', undefined, 10_000, n);
    assert.equal(ready.restarts, 1);
    await e1.waitFor('registration', (r) => r.account === '1' && r.state === 'registered', 10_000, n);
    t.diagnostic(`SIGKILL to registered again: ${(performance.now() - killedAt).toFixed(0)} ms`);
    assert.notEqual(e1.engine.pid, before);

    monitor.clear();
    const m = e1.events.length;
    await monitor.dial(`sip:1001@${pbx.host}:${pbx.port}`);
    const incoming = await e1.waitFor('call.incoming', (p) => p.call.account === '1', 10_000, m);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(e1.events.slice(m).filter((r) => r.event === 'call.incoming').length, 1);
    await e1.engine.hangup(incoming.call.id);
    await closedOf(e1, incoming.call);
  });

  it('ends a call in progress with "engine restarted" when baresip dies', async () => {
    monitor.clear();
    const call = e1.engine.dial(monitor.directUri);
    await monitor.waitFor('CALL_INCOMING');
    process.kill(e1.engine.pid!, 'SIGKILL');
    const closed = await closedOf(e1, call);
    assert.equal(closed.end.reason, 'engine restarted');
    await e1.waitFor('engine.ready', (p) => p.restarts === 2);
    await monitor.reject(); // the peer's call was left ringing by the killed baresip
  });

  it('registers again after the PBX restarted (it forgot every registration)', async () => {
    const [s1] = pbx.subscribers as [{ user: string; password: string }];
    await e1.engine.setAccounts([pbxAccount(pbx, s1, { registerInterval: 3 })]);
    await e1.waitFor('registration', (r) => r.account === '1' && r.state === 'registered');
    await pbx.restart();
    const seen = pbx.count('REGISTER', s1.user);
    for (let i = 0; i < 100 && pbx.count('REGISTER', s1.user) === seen; i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(pbx.count('REGISTER', s1.user) > seen, 'a REGISTER reached the restarted PBX');
    monitor.clear();
    const m = e1.events.length;
    await monitor.dial(`sip:1001@${pbx.host}:${pbx.port}`);
    const incoming = await e1.waitFor('call.incoming', (p) => p.call.account === '1', 10_000, m);
    await e1.engine.hangup(incoming.call.id);
  });
});
