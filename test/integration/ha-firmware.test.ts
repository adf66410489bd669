/**
 * Home Assistant's `update` entity for the firmware against a real mosquitto, with Home Assistant
 * played by a plain MQTT client (ha-support.ts: options and state written from Home Assistant's
 * update.mqtt documentation). The Home Assistant module runs with a firmware updater whose `rauc`
 * CLI is faked (the real one runs in the VM): the entity says the installed and the latest version;
 * a cloud job waiting for its time offers its version; INSTALL installs that offered version (its
 * URL is the device's own record), showing in_progress and update_percentage from the steps;
 * INSTALL with nothing offered, a retained INSTALL and an undocumented payload do nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Bus } from '../../agent/bus.ts';
import { ConfigStore } from '../../agent/config/index.ts';
import { Firmware, firmwareJobHandler, Rauc } from '../../agent/firmware/index.ts';
import { HomeAssistant } from '../../agent/integrations/index.ts';
import { createLogger, RealClock, silentLogger } from '../../core/index.ts';
import { type LogLine, until } from '../harness/agent.ts';
import { fakeHttpStream } from '../harness/fake-http.ts';
import { FakeRaucCli } from '../harness/fake-rauc.ts';
import { type Mosquitto, startMosquitto } from '../harness/mosquitto.ts';
import { checkDiscovery, checkUpdateState, HaClient } from './ha-support.ts';

const MAC = '0C:11:05:00:00:43';
const ID = '0c1105000043';
const BASE = `portier/${ID}`;
const CONFIG_TOPIC = `homeassistant/update/${ID}/firmware/config`;
const STATE = `${BASE}/firmware/state`;
const INSTALL = `${BASE}/firmware/install`;
const BUNDLE = Buffer.alloc(200_000, 9);

let broker: Mosquitto;
let ha: HaClient;
let dataDir: string;
let module: HomeAssistant;
let fw: Firmware;
let rauc: FakeRaucCli;
let reboots = 0;
const fetched: string[] = [];
const logs: LogLine[] = [];

const haUser = () => ({ ...broker.device('ha'), ca: broker.ca });
const state = (from = 0) => ha.next(STATE, () => true, from);

before(async () => {
  broker = await startMosquitto({
    devices: ['door', 'ha'],
    acl: [
      'user door',
      'topic readwrite homeassistant/#',
      'topic readwrite portier/#',
      '',
      'user ha',
      'topic readwrite homeassistant/#',
      'topic readwrite portier/#',
    ],
  });
  ha = await HaClient.connect(broker.url, haUser());
  dataDir = await mkdtemp(join(tmpdir(), 'portier-ha-fw-'));
  const clock = new RealClock();
  const config = new ConfigStore({ dataDir, clock, log: silentLogger() });
  await config.load();
  const door = broker.device('door');
  await config.apply(
    {
      identity: { mac: MAC, name: 'Front door' },
      homeAssistant: {
        enabled: true,
        brokerUrl: broker.url,
        username: door.username,
        password: door.password,
        caFile: broker.caFile,
      },
    },
    'test',
  );
  rauc = new FakeRaucCli();
  fw = new Firmware({
    dir: join(dataDir, 'firmware'),
    clock,
    log: silentLogger(),
    rauc: new Rauc({ exec: rauc.exec }),
    version: '1.0',
    busy: () => false,
    health: async () => undefined,
    reboot: () => {
      reboots++;
    },
    get: async (url, opts) => {
      fetched.push(String(url));
      return fakeHttpStream(BUNDLE)(url, opts);
    },
  });
  await fw.start();
  await fw.settled();
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  module = new HomeAssistant({
    config,
    bus: new Bus(),
    clock,
    log: createLogger({ level: 'debug', destination: sink }),
    version: '1.0',
    door: () => undefined,
    relays: () => [],
    inputs: () => [],
    sip: () => undefined,
    webUrl: () => 'http://127.0.0.1:8080/',
    firmware: () => fw.service(),
  });
  await module.start();
});

after(async () => {
  await module?.stop();
  await fw?.settled();
  await ha?.close();
  await broker?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('Home Assistant update entity (firmware)', () => {
  it('is announced as Home Assistant documents it, with the install command; nothing offered: latest = installed', async () => {
    const config = JSON.parse((await ha.next(CONFIG_TOPIC)).payload) as Record<string, unknown>;
    checkDiscovery(CONFIG_TOPIC, config);
    assert.equal(config.device_class, 'firmware');
    assert.equal(config.state_topic, STATE);
    assert.equal(config.command_topic, INSTALL);
    assert.equal(config.payload_install, 'INSTALL');
    assert.equal(config.retain, false);
    const s = checkUpdateState((await state()).payload);
    assert.equal(s.installed_version, '1.0');
    assert.equal(s.latest_version, '1.0');
    assert.equal(s.in_progress, false);
    assert.equal(s.update_percentage, null);
  });

  it('INSTALL with nothing offered does nothing', async () => {
    const from = logs.length;
    await ha.publish(INSTALL, 'INSTALL');
    await until(() => logs.slice(from).some((l) => /firmware INSTALL ignored/.test(l.msg)), 'the log line');
    assert.equal(fw.current(), null);
    assert.deepEqual(fetched, []);
  });

  it("a cloud job waiting for its time offers its version: latest_version, and the job's schedule", async () => {
    const from = ha.seen.length;
    const handler = firmwareJobHandler({
      firmware: () => fw.service(),
      bootId: () => 'b',
      settle: async () => {},
      note: async () => {},
    });
    handler.queued?.('job-7', {
      type: 'firmware',
      url: 'http://fw.example.com/dp1-2.0.raucb',
      version: '2.0',
      notBefore: '2030-01-01T03:00:00Z',
    });
    const s = checkUpdateState((await ha.next(STATE, (m) => m.payload.includes('"2.0"'), from)).payload);
    assert.equal(s.installed_version, '1.0');
    assert.equal(s.latest_version, '2.0');
    assert.equal(s.in_progress, false);
    assert.match(String(s.release_summary), /offered by the cloud, scheduled for 2030-01-01T03:00:00Z/);
  });

  it('a retained INSTALL and an undocumented payload (a URL in it included) are ignored and logged', async () => {
    const from = logs.length;
    await ha.publish(INSTALL, 'INSTALL', true);
    await until(() => logs.slice(from).some((l) => /retained command is ignored/.test(l.msg)), 'the warning');
    await ha.publish(INSTALL, '', true); // clear it on the broker
    await ha.publish(INSTALL, JSON.stringify({ url: 'http://evil.example.com/x.raucb' }));
    await until(() => logs.slice(from).some((l) => /not one of the documented/.test(l.msg)), 'the warning');
    assert.equal(fw.current(), null, 'no update started');
    assert.deepEqual(fetched, []);
  });

  it('INSTALL installs the offered version from its own URL: in_progress and update_percentage follow the steps', async () => {
    rauc.hold('install');
    const from = ha.seen.length;
    await ha.publish(INSTALL, 'INSTALL');
    await rauc.started('install');
    assert.deepEqual(fetched, ['http://fw.example.com/dp1-2.0.raucb'], "the offer's URL");
    const u = fw.current();
    assert.equal(u?.source, 'home-assistant');
    assert.equal(u?.version, '2.0');
    const installing = await ha.next(
      STATE,
      (m) => JSON.parse(m.payload).release_summary?.startsWith('installing'),
      from,
    );
    const s = checkUpdateState(installing.payload);
    assert.equal(s.in_progress, true);
    assert.equal(s.latest_version, '2.0');
    assert.equal(s.update_percentage, 0);
    const downloading = ha.seen
      .slice(from)
      .filter((m) => m.topic === STATE)
      .map((m) => checkUpdateState(m.payload))
      .filter((x) => String(x.release_summary).startsWith('downloading'));
    assert.ok(downloading.length > 0, 'the download was shown');
    assert.ok(downloading.every((x) => x.in_progress === true));
    rauc.release('install');
    await until(() => reboots === 1, 'the reboot into the new slot');
    const rebooting = await ha.next(STATE, (m) => JSON.parse(m.payload).release_summary === 'rebooting', from);
    assert.equal(checkUpdateState(rebooting.payload).in_progress, true);
    const percents = ha.seen
      .slice(from)
      .filter((m) => m.topic === STATE)
      .map((m) => checkUpdateState(m.payload).update_percentage);
    assert.ok(percents.includes(100), `install percent reached 100: ${percents.join()}`);
  });
});
