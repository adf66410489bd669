/**
 * The cloud link against a real mosquitto (TLS, password file, per-device ACL) and agents run as
 * processes, driven by the operator tool as a user would: status and last will, the broker's ACL,
 * retained and replayed jobs, a broker restart, and a job sent while the device is away.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { topics } from '../../agent/cloud/protocol/index.ts';
import { type Mosquitto, startMosquitto } from '../harness/mosquitto.ts';
import { stopAll } from '../harness/processes.ts';
import {
  type AgentProcess,
  client,
  deviceId,
  fleet,
  fleetProcess,
  retained,
  startAgentProcess,
} from './cloud-support.ts';

const A = deviceId(0xa1);
const B = deviceId(0xb2);
let broker: Mosquitto;
let a: AgentProcess;

before(async () => {
  broker = await startMosquitto({ devices: [A, B] });
  a = await startAgentProcess(broker, A);
});
after(async () => {
  await stopAll();
  await broker?.close();
});

type Row = { id: string; state: string; connectedAt?: string; reason?: string; bootId?: string; model?: string };
const devices = async (): Promise<Row[]> => {
  const r = await fleet(broker, 'devices', '--json');
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Row[];
};

describe('cloud link with a real broker', () => {
  it('status online (retained) with what the cloud lists; the last will says offline when the agent is SIGKILLed', async () => {
    const table = await fleet(broker, 'devices');
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /^ID\s+NAME\s+LOCATION\s+MODEL\s+ROLE\s+FIRMWARE\s+ONLINE\s+LAST CONNECTED$/m);
    assert.match(
      table.out,
      new RegExp(`^${A}\\s+Door a1\\s+Gate 1\\s+Portier DP1\\s+door-phone\\s+\\S+\\s+yes\\s+20\\d\\d-`, 'm'),
    );
    const before = (await devices()).find((d) => d.id === A)!;
    assert.equal(before.state, 'online');
    const op = await client(broker, broker.operator);
    const raw = JSON.stringify(await retained(op, topics.status(A)));
    assert.doesNotMatch(raw, new RegExp(broker.device(A).password), 'no credential in the status');
    await a.kill();
    // the broker notices the dead connection (socket closed) and publishes the will, retained
    for (let i = 0; i < 50; i++) {
      const s = (await retained(op, topics.status(A))) as Row;
      if (s.state === 'offline') break;
    }
    const after = (await devices()).find((d) => d.id === A)!;
    assert.equal(after.state, 'offline');
    assert.equal(after.reason, 'lost');
    assert.equal(after.bootId, before.bootId);
    assert.ok(after.connectedAt, 'last connected time kept');
    assert.match((await fleet(broker, 'devices')).out, new RegExp(`^${A}.*\\s+no\\s+20\\d\\d-`, 'm'));
    await op.endAsync();
    await a.start();
    assert.equal((await devices()).find((d) => d.id === A)!.state, 'online');
  });

  it("a device's credentials cannot publish to or read another device's topics (broker ACL)", async () => {
    const opSeen: string[] = [];
    const op = await client(broker, broker.operator);
    op.on('message', (t) => opSeen.push(t));
    await op.subscribeAsync(`portier/v1/${B}/#`, { qos: 1 });
    const rogue = await client(broker, broker.device(A), 'rogue-a');
    await assert.rejects(
      rogue.publishAsync(topics.job(B, 'evil-1'), '{"type":"reboot"}', { qos: 1 }),
      /Not authorized/,
      'the broker refuses the publish',
    );
    // mosquitto grants a subscription with wildcards, and filters what it delivers by the ACL
    const rogueSeen: string[] = [];
    rogue.on('message', (t) => rogueSeen.push(t));
    await rogue.subscribeAsync(`portier/v1/${B}/#`, { qos: 1 });
    const b = await client(broker, broker.device(B), 'control-b');
    const bSeen: string[] = [];
    b.on('message', (t) => bSeen.push(t));
    await b.subscribeAsync(`portier/v1/${B}/#`, { qos: 1 });
    await op.publishAsync(topics.job(B, 'for-b-only'), '{}', { qos: 1 });
    await rogue.publishAsync(`portier/v1/${A}/events/test`, '{}', { qos: 1 }); // its own prefix is fine
    for (let i = 0; i < 40 && bSeen.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(bSeen, [topics.job(B, 'for-b-only')], "B's own credentials read it");
    assert.deepEqual(rogueSeen, [], "A's credentials do not");
    assert.deepEqual(opSeen, [topics.job(B, 'for-b-only')], 'nothing from A reached device B');
    await b.endAsync();
    await rogue.endAsync();
    await op.endAsync();
  });

  it('a retained job message is ignored and logged; a job replayed with the same id is not run twice', async () => {
    const op = await client(broker, broker.operator);
    await op.publishAsync(topics.job(A, 'retained-1'), '{"type":"reboot"}', { qos: 1, retain: true });
    await a.waitForLog(/a retained job message is ignored/);
    assert.equal(await retained(op, topics.jobStatus(A, 'retained-1')), undefined, 'no status: never taken');
    await op.publishAsync(topics.job(A, 'retained-1'), '', { qos: 1, retain: true }); // clear it
    // the operator tool sends a job with a chosen id ...
    const lines = 'Config.DeviceInfo.DEVICEINFO.Location = Hall 1\n';
    const file = `${a.dataDir}/once.cfg`;
    await (await import('node:fs/promises')).writeFile(file, lines);
    const first = await fleet(broker, 'autop', A, file, '--once', '--job-id', 'replay-1');
    assert.equal(first.code, 0, first.out + first.err);
    assert.match(first.out, /replay-1 SUCCEEDED/);
    // ... and the same job is published again (a replay after a reconnect)
    await op.publishAsync(topics.job(A, 'replay-1'), JSON.stringify({ type: 'autop', lines, once: true }), { qos: 1 });
    await a.waitForLog(/job id already seen: not run again/);
    const runs = a.logs().filter((l) => l.msg === 'cloud: job started' && l.job === 'replay-1');
    assert.equal(runs.length, 1, 'run once');
    await op.endAsync();
  });

  it('the broker is stopped and restarted: the device reconnects within the backoff cap', async () => {
    await broker.stop();
    await a.waitForLog(/cloud link: lost, reconnecting/);
    await new Promise((r) => setTimeout(r, 3000)); // a few failed attempts: the backoff grows
    const failures = a.logs().filter((l) => l.msg === 'cloud link: could not connect, retrying');
    assert.ok(failures.length >= 1, 'retried while the broker was away');
    const delays = failures.map((l) => l.retryInMs as number);
    assert.ok(delays.every((d) => d >= 0 && d <= 120_000));
    const onlineBefore = a.logs().filter((l) => l.msg === 'cloud link: online').length;
    const t0 = Date.now();
    await broker.start();
    for (;;) {
      if (a.logs().filter((l) => l.msg === 'cloud link: online').length > onlineBefore) break;
      assert.ok(Date.now() - t0 < 125_000, 'back within the cap');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await devices()).find((d) => d.id === A)!.state, 'online');
  });

  it('a job sent while the device is away is QUEUED meanwhile, and run once when it is back (also across a broker restart)', async () => {
    await a.stop();
    const file = `${a.dataDir}/away.cfg`;
    await (await import('node:fs/promises')).writeFile(file, 'Config.DeviceInfo.DEVICEINFO.Location = Away test\n');
    const sent = await fleet(broker, 'autop', A, file, '--once', '--job-id', 'away-1');
    assert.equal(sent.code, 0, sent.out + sent.err);
    assert.match(
      sent.out,
      new RegExp(`device ${A} is offline \\(last connected 20.*\\): job away-1 is QUEUED and runs when it connects`),
    );
    const jobs = await fleet(broker, 'jobs', A);
    assert.match(jobs.out, /^away-1\s+QUEUED\s+Pending/m);
    await broker.stop(); // the session and the queued job survive a broker restart
    await broker.start();
    await a.start();
    await a.waitForLog(/"job":"away-1".*"status":"SUCCEEDED"/);
    assert.match((await fleet(broker, 'jobs', A)).out, /^away-1\s+autop\s+SUCCEEDED\s+Executed/m);
    assert.equal(a.logs().filter((l) => l.msg === 'cloud: job started' && l.job === 'away-1').length, 1);
  });

  it('the remote web session serves the UI through the tunnel (login still applies) and ends at its TTL', async () => {
    const web = fleetProcess(broker, 'web', A, '--ttl', '12');
    try {
      const m = await web.waitForOutput(/remote web for \S+: (http:\/\/127\.0\.0\.1:\d+\/) until (\S+)/, 20_000);
      const url = m[1]!;
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<!doctype html>/i);
      const state = await fetch(`${url}api/v1/auth/state`);
      assert.equal(state.status, 200);
      assert.equal(((await state.json()) as { success: boolean }).success, true);
      const denied = await fetch(`${url}api/v1/config`);
      assert.equal(denied.status, 401, 'the device login applies through the tunnel');
      const login = await fetch(`${url}api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url.slice(0, -1) },
        body: JSON.stringify({ user: 'admin', password: 'not the password' }),
      });
      assert.ok([401, 403, 409].includes(login.status), `login refused (${login.status})`);
      await a.waitForLog(/remote web session opened by the cloud/);
      await a.waitForLog(/"method":"GET","path":"\/api\/v1\/config","status":401.*remote web request/);
      const { code } = await web.exited; // at the TTL
      assert.equal(code, 0, web.output());
      assert.match(web.output(), /SUCCEEDED the remote web session ended at its TTL/);
      await a.waitForLog(/"why":"ended at its TTL"/);
      await assert.rejects(fetch(url), 'the local port is closed');
      // and the device refuses the session from now on, whoever asks
      const session = web.output().match(/(web-[a-z0-9]+-[0-9a-f]+) SUCCEEDED/)![1]!;
      const op = await client(broker, broker.operator);
      const answer = new Promise<string>((r) => op.on('message', (_t, p) => r(p.toString())));
      await op.subscribeAsync(topics.webResponses(A, session), { qos: 1 });
      await op.publishAsync(
        topics.webRequest(A, session, '99'),
        JSON.stringify({ method: 'GET', path: '/', headers: {} }),
        { qos: 1 },
      );
      const res = JSON.parse(await answer) as { status: number };
      assert.equal(res.status, 410);
      await op.endAsync();
    } finally {
      await web.stop();
    }
  });

  it('clear errors: an unknown device, a broker that refuses the credentials', async () => {
    const unknown = await fleet(broker, 'reboot', 'ff0000000001');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /unknown device ff0000000001: it never connected to this broker/);
    const env = process.env.PORTIER_FLEET_PASSWORD;
    const refused = await fleet(broker, 'devices', '--password', 'wrong');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /refused the credentials of user operator/);
    assert.doesNotMatch(refused.err, /wrong/);
    assert.equal(process.env.PORTIER_FLEET_PASSWORD, env);
    const bad = await fleet(broker, 'reboot', 'not-a-mac');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /not-a-mac: not a device id/);
  });
});
