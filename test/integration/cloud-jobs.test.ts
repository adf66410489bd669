/**
 * Cloud jobs end to end with a real mosquitto, pushed by the operator tool: once autop and its
 * per-line errors, standing commands that survive a provisioning, reboot that waits for a call,
 * a notBefore job across a restart, messages, firmware, cancel, and a settings change that
 * reconnects without a restart.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { ConfigStore, readAutop } from '../../agent/config/index.ts';
import { RealClock, silentLogger } from '../../core/index.ts';
import { startAgent, type TestAgent, until } from '../harness/agent.ts';
import { BaresipPeer } from '../harness/baresip-peer.ts';
import { type Mosquitto, startMosquitto } from '../harness/mosquitto.ts';
import { stopAll } from '../harness/processes.ts';
import {
  type AgentProcess,
  cloudConfig,
  deviceId,
  fleet,
  fleetProcess,
  startAgentProcess,
  startRestartableAgent,
} from './cloud-support.ts';

const DOOR = deviceId(0xd1);
const MONITOR = deviceId(0xe1);
const REBOOT = deviceId(0xf1);
let broker: Mosquitto;
let door: AgentProcess;

before(async () => {
  broker = await startMosquitto({ devices: [DOOR, MONITOR, REBOOT] });
  door = await startAgentProcess(broker, DOOR);
});
after(async () => {
  await stopAll();
  await broker?.close();
});

async function configOf(dataDir: string) {
  const s = new ConfigStore({ dataDir, clock: new RealClock(), log: silentLogger() });
  await s.load();
  return s.get();
}

async function file(name: string, text: string): Promise<string> {
  const f = join(door.dataDir, name);
  await writeFile(f, text);
  return f;
}

describe('cloud jobs, door phone (agent process)', () => {
  it('once autop applies; a bad file is REJECTED with its per-line errors and changes nothing', async () => {
    const good = await file(
      'good.cfg',
      'Config.DoorSetting.RELAY.RelayAName = Gate\nConfig.Features.DOORPHONE.MaxCallTime = 7\n',
    );
    const ok = await fleet(broker, 'autop', DOOR, good, '--once');
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /SUCCEEDED \{"applied":2,"changed":\[.*"relays.0.name".*\]\}/);
    let c = await configOf(door.dataDir);
    assert.equal(c.relays[0]!.name, 'Gate');
    assert.equal(c.intercom.maxCallTime, 7);
    const bad = await file(
      'bad.cfg',
      'Config.Features.DOORPHONE.MaxCallTime = 9\nConfig.Nope.X = 1\nConfig.Settings.CALLTIMEOUT.DialIn = 900\n',
    );
    const r = await fleet(broker, 'autop', DOOR, bad, '--once');
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      /REJECTED .*line 2: Config\.Nope\.X: .*line 3: Config\.Settings\.CALLTIMEOUT\.DialIn: must be at most 120/,
    );
    c = await configOf(door.dataDir);
    assert.equal(c.intercom.maxCallTime, 7, 'nothing changed');
  });

  it('firmware jobs on a device without A/B slots are REJECTED with a clear reason; a job waiting for notBefore can be cancelled', async () => {
    const fw = await fleet(broker, 'firmware', DOOR, 'https://fw.example.com/dp1-2.0.raucb', '--version', '2.0');
    assert.equal(fw.code, 1);
    assert.match(fw.out, /REJECTED firmware updates are not possible on this device: this device has no A\/B slots/);
    const at = new Date(Date.now() + 3600_000).toISOString();
    const later = await file('later.cfg', 'Config.Features.DOORPHONE.MaxCallTime = 3\n');
    const q = await fleet(broker, 'autop', DOOR, later, '--once', '--at', at, '--no-wait', '--job-id', 'later-1');
    assert.equal(q.code, 0, q.out + q.err);
    await until(async () => /^later-1\s+autop\s+QUEUED/m.test((await fleet(broker, 'jobs', DOOR)).out), 'queued');
    const cancel = await fleet(broker, 'cancel', DOOR, 'later-1');
    assert.equal(cancel.code, 0, cancel.out + cancel.err);
    assert.match(cancel.out, /later-1 CANCELED/);
    assert.equal((await configOf(door.dataDir)).intercom.maxCallTime, 7);
  });

  it('a notBefore job runs at its time, after an agent restart in between', async () => {
    const notBefore = Date.now() + 15_000;
    const f = await file('nb.cfg', 'Config.DeviceInfo.DEVICEINFO.Location = Night shift\n');
    const q = await fleet(
      broker,
      'autop',
      DOOR,
      f,
      '--once',
      '--at',
      new Date(notBefore).toISOString(),
      '--no-wait',
      '--job-id',
      'nb-1',
    );
    assert.equal(q.code, 0, q.out + q.err);
    await door.waitForLog(/"job":"nb-1".*"msg":"cloud: job queued"/);
    await door.stop(); // the agent restarts before the job's time
    await door.start();
    assert.ok(Date.now() < notBefore, 'back before the time (else the test proves nothing)');
    await door.waitForLog(/"job":"nb-1".*"status":"SUCCEEDED"/, 30_000);
    const started = door.logs().find((l) => l.msg === 'cloud: job started' && l.job === 'nb-1')!;
    assert.ok((started.time as number) >= notBefore, 'not before its time');
    assert.equal((await configOf(door.dataDir)).identity.location, 'Night shift');
    assert.match((await fleet(broker, 'jobs', DOOR)).out, /^nb-1\s+autop\s+SUCCEEDED/m);
  });

  it('a message to a door phone is REJECTED with the reason', async () => {
    const r = await fleet(broker, 'message', DOOR, '--title', 'Notice', '--text', 'Water off at 10');
    assert.equal(r.code, 1);
    assert.match(r.out, /REJECTED this device is a door-phone \(identity\.role\): messages are for indoor monitors/);
  });
});

describe('cloud jobs, reboot (agent in-process, restarted as `portier run` does)', () => {
  it('reboot waits for the call to end, then SUCCEEDED comes with a new boot id; events are published', async () => {
    const rb = await startRestartableAgent(cloudConfig(broker, REBOOT));
    const monitor = await BaresipPeer.start({ answer: 'auto' });
    const watch = fleetProcess(broker, 'watch', REBOOT, '--json');
    try {
      await until(() => rb.current().ctx.services.cloud!.status().state === 'online', 'online', 400);
      await watch.waitForOutput(/watching/);
      const sip = rb.current().ctx.services.sip!;
      const call = sip.dial(monitor.directUri);
      await until(
        () => sip.calls().some((c) => c.id === call.id && c.state === 'established'),
        'call established',
        400,
      );
      const before = JSON.parse((await fleet(broker, 'devices', '--json')).out).find(
        (d: { id: string }) => d.id === REBOOT,
      );
      const reboot = fleet(broker, 'reboot', REBOOT, '--max-wait', '120', '--timeout', '30');
      await until(
        async () =>
          /IN_PROGRESS\s+Processing\s+waiting for the call to end/.test((await fleet(broker, 'jobs', REBOOT)).out),
        'the reboot job waits for the call',
      );
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(rb.restarts, 0, 'no restart during the call');
      await sip.hangup(call.id);
      const r = await reboot;
      assert.equal(r.code, 0, r.out + r.err);
      assert.equal(rb.restarts, 1);
      assert.match(r.out, /IN_PROGRESS \(waiting for the call to end\)/);
      assert.match(r.out, /IN_PROGRESS \(restarting\)/);
      const done = r.out.match(/SUCCEEDED (\{.*\})/);
      assert.ok(done, r.out);
      const details = JSON.parse(done[1]!) as { bootId: string; previousBootId: string };
      assert.equal(details.previousBootId, before.bootId);
      assert.notEqual(details.bootId, before.bootId);
      assert.equal(details.bootId, rb.current().ctx.services.cloud!.status().bootId);
      await watch.waitForOutput(/"type":"call".*"state":"ended"/, 10_000);
      await watch.waitForOutput(/"type":"job".*"status":"SUCCEEDED"/, 10_000);
      const events = watch
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .filter((e) => e.type !== 'status');
      assert.ok(events.some((e) => e.type === 'call' && e.params.state === 'established'));
      for (const e of events) {
        assert.match(e.id, /^[0-9a-f-]{36}$/);
        assert.match(e.utcTime, /^20\d\d-\d\d-\d\dT.*Z$/);
        assert.equal(typeof e.upTime, 'number');
      }
      assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'unique ids');
    } finally {
      await watch.stop();
      await monitor.stop();
      await rb.stop();
    }
  });
});

describe('cloud jobs, indoor monitor (agent in-process)', () => {
  let mon: TestAgent;
  before(async () => {
    mon = await startAgent({
      config: {
        ...cloudConfig(broker, MONITOR),
        identity: { ...(cloudConfig(broker, MONITOR).identity as object), role: 'indoor-monitor' },
      },
    });
    await until(() => mon.agent.ctx.services.cloud!.status().state === 'online', 'online', 400);
  });
  after(() => mon?.stop());

  it('a message is stored in the inbox and emitted on the bus', async () => {
    const got: AgentEvents['message.received'][] = [];
    mon.agent.ctx.bus.on('message.received', (m) => got.push(m));
    const r = await fleet(
      broker,
      'message',
      MONITOR,
      '--title',
      'Parcel',
      '--text',
      'A parcel is at the door.\nRoom 3.',
    );
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.title, 'Parcel');
    const inbox = (await readFile(join(mon.dataDir, 'inbox', 'messages.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      inbox.map((m) => [m.title, m.text, m.read]),
      [['Parcel', 'A parcel is at the door.\nRoom 3.', false]],
    );
  });

  it('standing autop commands survive a later provisioning that sets the same key differently, until cleared', async () => {
    const { config, services } = mon.agent.ctx;
    const standing = join(mon.dataDir, 'standing.cfg');
    await writeFile(
      standing,
      'Config.DoorSetting.RELAY.RelayAName = Front gate\nConfig.DoorSetting.DTMF.Code1 = 123\n',
    );
    const r = await fleet(broker, 'autop', MONITOR, standing);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /"standing":"kept"/);
    assert.equal(config.get().relays[0]!.name, 'Front gate');
    // a provisioning from an autop server (issue 12) writes its file, then calls the hook
    const server = 'Config.DoorSetting.RELAY.RelayAName = Server name\nConfig.DoorSetting.DTMF.Code1 = 9\n';
    const provision = async () => {
      await config.replace(readAutop(server, config.get()).config!, 'provisioning');
      return services.cloud!.afterProvisioning();
    };
    const again = await provision();
    assert.deepEqual(again.problems, []);
    assert.equal(config.get().relays[0]!.name, 'Front gate');
    assert.equal(config.get().relays[0]!.dtmfCode, '123');
    // the cloud clears them: the server's values stay after the next provisioning
    const cleared = await fleet(broker, 'autop', MONITOR, '--clear');
    assert.equal(cleared.code, 0, cleared.out + cleared.err);
    await provision();
    assert.equal(config.get().relays[0]!.name, 'Server name');
  });

  it('a change of the cloud settings reconnects without a restart; wrong credentials are retried with backoff', async () => {
    const { config, services } = mon.agent.ctx;
    const good = config.get().cloud.password;
    await config.apply({ cloud: { password: 'wrong-password' } }, 'api');
    await until(() => services.cloud!.status().state === 'waiting', 'refused', 400);
    assert.match(services.cloud!.status().lastError!, /Not authorized|Bad User Name/);
    assert.doesNotMatch(JSON.stringify(services.cloud!.status()), /wrong-password/);
    assert.ok(!mon.logs.some((l) => JSON.stringify(l).includes('wrong-password')), 'the password is never logged');
    await config.apply({ cloud: { password: good } }, 'api');
    await until(() => services.cloud!.status().state === 'online', 'online again', 400);
    assert.equal(mon.restarts, 0);
  });
});
