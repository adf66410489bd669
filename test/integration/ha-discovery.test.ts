/**
 * Home Assistant over MQTT discovery against a real mosquitto (TLS, passwords, ACL), with Home
 * Assistant's side played by a plain MQTT client that checks every discovery config against the
 * options Home Assistant documents (ha-support.ts): press → `ring` event; lock OPEN → the relay
 * pulses and the door log names Home Assistant; a button (bistable relay) toggles; door contact →
 * binary sensor; Home Assistant's `online` → discovery republished; a retained OPEN and an unknown
 * payload → nothing; a hung broker blocks no door opening; integration off → entities removed (no
 * retained config left).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { startAgent, type TestAgent, until } from '../harness/agent.ts';
import { type Mosquitto, startMosquitto } from '../harness/mosquitto.ts';
import { checkDiscovery, HaClient, retainedNow } from './ha-support.ts';

const MAC = '0C:11:05:00:00:42';
const ID = '0c1105000042';
const BASE = `portier/${ID}`;

let broker: Mosquitto;
let t: TestAgent;
let ha: HaClient;
const opened: AgentEvents['door.opened'][] = [];

const haUser = () => ({ ...broker.device('ha'), ca: broker.ca });

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
  const door = broker.device('door');
  t = await startAgent({
    config: {
      identity: { mac: MAC, name: 'Front door', location: 'Entrance' },
      relays: [{}, {}, { mode: 'bistable' }],
      accounts: [{ enabled: true, server: '127.0.0.1', port: 9, user: '1001' }],
      homeAssistant: {
        enabled: true,
        brokerUrl: broker.url,
        username: door.username,
        password: door.password,
        caFile: broker.caFile,
      },
    },
  });
  t.agent.ctx.bus.on('door.opened', (e) => void opened.push(e));
});

after(async () => {
  await t?.stop();
  await ha?.close();
  await broker?.close();
});

const configOf = (object: string, component: string) =>
  JSON.parse(ha.configs().get(`homeassistant/${component}/${ID}/${object}/config`) ?? 'null');

describe('Home Assistant MQTT discovery', () => {
  it('announces one device with its entities, each config as Home Assistant documents it', async () => {
    await ha.next(`${BASE}/availability`, (s) => s.payload === 'online' && s.retain);
    await ha.next(`homeassistant/update/${ID}/firmware/config`); // the last one published
    const configs = ha.configs();
    for (const [topic, payload] of configs) checkDiscovery(topic, JSON.parse(payload));
    const objects = [...configs.keys()].map((k) => k.split('/').slice(1, 2).concat(k.split('/')[3]!).join(':')).sort();
    assert.deepEqual(objects, [
      'binary_sensor:call_active',
      'binary_sensor:input1',
      'binary_sensor:input2',
      'binary_sensor:input3',
      'binary_sensor:sip1',
      'button:relay3',
      'event:doorbell',
      'lock:relay1',
      'lock:relay2',
      'sensor:call_state',
      'sensor:last_caller',
      'sensor:last_door',
      'update:firmware',
    ]);
    const bell = configOf('doorbell', 'event');
    assert.equal(bell.device_class, 'doorbell');
    assert.deepEqual(bell.event_types, ['ring']);
    assert.deepEqual(bell.device.identifiers, [`portier_${ID}`]);
    assert.deepEqual(bell.device.connections, [['mac', MAC.toLowerCase()]]);
    assert.equal(bell.device.manufacturer, 'Portier');
    assert.equal(bell.device.model, 'Portier DP1');
    assert.equal(typeof bell.device.sw_version, 'string');
    assert.equal(bell.device.configuration_url, `${t.base}/`);
    assert.equal(bell.device.suggested_area, 'Entrance');
    assert.equal(bell.availability_topic, `${BASE}/availability`);
    const lock = configOf('relay1', 'lock');
    assert.equal(lock.name, 'Door');
    assert.equal(lock.payload_open, 'OPEN');
    assert.equal(lock.retain, false);
    assert.equal(configOf('input3', 'binary_sensor').device_class, 'door');
    assert.equal(configOf('sip1', 'binary_sensor').device_class, 'connectivity');
    // this host has no A/B slots: the firmware is shown, without an install command
    const update = configOf('firmware', 'update');
    assert.equal(update.device_class, 'firmware');
    assert.equal(update.command_topic, undefined);
    assert.equal(update.state_topic, `${BASE}/firmware/state`);
    const status = t.agent.ctx.services.homeAssistant!.status();
    assert.equal(status.state, 'online');
    assert.equal(status.entities, 13);
    assert.doesNotMatch(JSON.stringify(status), new RegExp(broker.device('door').password));
    // states are there (retained) from the start
    assert.equal((await ha.next(`${BASE}/relay/1/state`)).payload, 'LOCKED');
    assert.equal((await ha.next(`${BASE}/call/state`)).payload, 'idle');
    assert.equal((await ha.next(`${BASE}/input/3`)).payload, 'OFF');
    const fw = JSON.parse((await ha.next(`${BASE}/firmware/state`)).payload);
    assert.equal(fw.installed_version, t.agent.ctx.firmwareVersion);
    assert.equal(fw.latest_version, fw.installed_version, 'nothing offered');
    assert.equal(fw.in_progress, false);
  });

  it('a press of the push button fires the ring event', async () => {
    const from = ha.seen.length;
    const { simGpio, inputs } = t.agent.ctx.services;
    simGpio!.press('PUSH_BUTTON');
    await until(() => inputs!.states()[0]!.active, 'the press, past the debounce');
    simGpio!.release('PUSH_BUTTON');
    const ring = await ha.next(`${BASE}/doorbell`, () => true, from);
    assert.equal(ring.retain, false);
    assert.deepEqual(JSON.parse(ring.payload), { event_type: 'ring', button: 'Push button' });
  });

  it('lock OPEN pulses the relay through the door owner; the door log names Home Assistant', async () => {
    const from = ha.seen.length;
    const before = opened.length;
    await ha.publish(`${BASE}/relay/1/set`, 'OPEN');
    await ha.next(`${BASE}/relay/1/state`, (s) => s.payload === 'OPEN', from);
    const e = opened[before]!;
    assert.equal(e.method, 'home-assistant');
    assert.equal(e.actor, 'Home Assistant');
    assert.equal(t.agent.ctx.services.relays!.states()[0]!.on, true);
    const entry = await until(() => t.agent.ctx.services.doorLog!.page({ limit: 1 }).entries[0], 'the door log entry');
    assert.equal(entry.method, 'home-assistant');
    assert.equal(entry.by, 'Home Assistant');
    const last = await ha.next(`${BASE}/door/last`, (s) => s.payload.includes('home-assistant'), from);
    assert.equal(JSON.parse(last.payload).actor, 'Home Assistant');
    // the pulse ends after the hold time: LOCKED again
    await ha.next(`${BASE}/relay/1/state`, (s) => s.payload === 'LOCKED', from + 1);
  });

  it('a button (bistable relay) toggles it', async () => {
    await ha.publish(`${BASE}/relay/3/press`, 'PRESS');
    await until(() => t.agent.ctx.services.relays!.states()[2]!.on, 'relay 3 on');
    await ha.publish(`${BASE}/relay/3/press`, 'PRESS');
    await until(() => !t.agent.ctx.services.relays!.states()[2]!.on, 'relay 3 off');
  });

  it('the door contact changes its binary sensor', async () => {
    const from = ha.seen.length;
    t.agent.ctx.services.simGpio!.press('DOOR_CONTACT');
    await ha.next(`${BASE}/input/3`, (s) => s.payload === 'ON' && s.retain, from);
    t.agent.ctx.services.simGpio!.release('DOOR_CONTACT');
    await ha.next(`${BASE}/input/3`, (s) => s.payload === 'OFF', from);
  });

  it('a retained OPEN and an undocumented payload are ignored and logged', async () => {
    const before = opened.length;
    const logs = t.logs.length;
    await ha.publish(`${BASE}/relay/1/set`, 'OPEN', true);
    await until(() => t.logs.slice(logs).some((l) => /retained command is ignored/.test(l.msg)), 'the warning');
    await ha.publish(`${BASE}/relay/1/set`, '', true); // clear it on the broker
    await ha.publish(`${BASE}/relay/2/set`, 'EXPLODE');
    await until(() => t.logs.slice(logs).some((l) => /not one of the documented/.test(l.msg)), 'the warning');
    // a documented command after them is the first opening: the two before did nothing
    await ha.publish(`${BASE}/relay/2/set`, 'OPEN');
    await until(() => opened.length > before, 'the opening');
    assert.equal(opened.length, before + 1);
    assert.equal(opened[before]!.relay, 1);
  });

  it("Home Assistant's online (its restart) makes the device publish discovery and states again", async () => {
    const from = ha.seen.length;
    await ha.publish('homeassistant/status', 'online');
    await ha.next(`homeassistant/event/${ID}/doorbell/config`, () => true, from);
    await ha.next(`homeassistant/update/${ID}/firmware/config`, () => true, from);
    assert.equal(ha.configs(from).size, 13);
    await ha.next(`${BASE}/call/state`, () => true, from);
  });

  it('a broker that hangs (SIGSTOP) blocks nothing: the exit button opens at once, the ring arrives later', async () => {
    const { simGpio, inputs } = t.agent.ctx.services;
    const from = ha.seen.length;
    const before = opened.length;
    process.kill(broker.pid()!, 'SIGSTOP');
    try {
      simGpio!.press('PUSH_BUTTON');
      await until(() => inputs!.states()[0]!.active, 'the push button press');
      simGpio!.release('PUSH_BUTTON');
      simGpio!.press('EXIT_BUTTON');
      await until(() => opened.length > before, 'the exit button opening');
      simGpio!.release('EXIT_BUTTON');
      assert.equal(opened[before]!.method, 'exit-button');
      assert.equal(t.agent.ctx.services.relays!.states()[0]!.on, true);
    } finally {
      process.kill(broker.pid()!, 'SIGCONT');
    }
    await ha.next(`${BASE}/doorbell`, () => true, from);
  });

  it('turned off: every entity is removed (empty retained configs), the link closes', async () => {
    const before = await retainedNow(broker.url, haUser(), 'homeassistant/#');
    assert.equal([...before.keys()].filter((k) => k.endsWith('/config')).length, 13);
    const from = ha.seen.length;
    await t.agent.ctx.config.apply({ homeAssistant: { enabled: false } }, 'test');
    await ha.next(`${BASE}/availability`, (s) => s.payload === 'offline', from);
    const left = await retainedNow(broker.url, haUser(), 'homeassistant/#');
    assert.deepEqual([...left.keys()], []);
    const removed = [...ha.configs(from).values()];
    assert.equal(removed.length, 13);
    assert.ok(removed.every((p) => p === ''));
  });
});
