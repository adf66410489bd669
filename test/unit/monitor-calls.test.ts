/**
 * The monitor's call handling with the fake SIP engine and the fake clock: a call from a door rings
 * (event, ringtone written to the audio sink, 1 s of tone in 4 s) until answered or the ring time
 * out; DND: nothing rings; Open sends the relay's code only on an established call with a door, and
 * by HTTP calls the unlock with the door's URL, token and relay.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Bus } from '../../agent/bus.ts';
import { ConfigStore } from '../../agent/config/index.ts';
import { Inbox, Monitor, Ringer } from '../../agent/monitor/index.ts';
import { forwardSipEvents } from '../../agent/sip-bridge.ts';
import { FakeClock, silentLogger } from '../../core/index.ts';
import { FakeSipEngine } from '../../sip/fake.ts';

type Rig = {
  clock: FakeClock;
  sip: FakeSipEngine;
  bus: Bus;
  config: ConfigStore;
  monitor: Monitor;
  written: number[];
  unlocks: { apiUrl: string; token: string; relay: number }[];
};

let dir: string;
let rig: Rig;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-monitor-unit-'));
  const clock = new FakeClock();
  const log = silentLogger();
  const config = new ConfigStore({ dataDir: dir, clock, log });
  await config.load();
  await config.apply(
    {
      identity: { role: 'indoor-monitor' },
      sip: { audioDevice: 'plughw:0' },
      monitor: {
        ringTimeout: 30,
        doors: {
          0: {
            enabled: true,
            name: 'Front door',
            address: '10.0.0.5',
            apiUrl: 'http://10.0.0.5:8080',
            apiToken: 'ptk_door',
            relayB: { unlock: 'http', name: 'Gate' },
          },
        },
      },
    },
    'test',
  );
  const sip = new FakeSipEngine({ clock });
  const bus = new Bus();
  forwardSipEvents(sip.events, bus);
  const written: number[] = [];
  const unlocks: Rig['unlocks'] = [];
  const monitor = new Monitor({
    config,
    bus,
    clock,
    log,
    sip,
    ringer: new Ringer({
      clock,
      log,
      sinks: () => () => ({ write: (pcm) => written.push(pcm.length), close() {} }),
    }),
    inbox: new Inbox(dir, { bus, clock, log }),
    httpUnlock: async (req) => {
      unlocks.push(req);
    },
  });
  await sip.start();
  await monitor.start();
  rig = { clock, sip, bus, config, monitor, written, unlocks };
});

afterEach(async () => {
  await rig.monitor.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('indoor monitor calls (fake engine)', () => {
  it('a door call rings until the ring time out, the ringtone 1 s of tone in 4', async () => {
    const ringing: unknown[] = [];
    rig.bus.on('monitor.ringing', (e) => ringing.push(e.door));
    rig.sip.incoming('sip:portier@10.0.0.5', { account: null });
    assert.deepEqual(ringing, [{ index: 0, name: 'Front door' }]);
    assert.deepEqual(rig.written, [8000, 24000], '1 s of tone, 3 s of silence');
    await rig.clock.advance(4000);
    assert.equal(rig.written.length, 4);
    await rig.clock.advance(26_000);
    const n = rig.written.length;
    await rig.clock.advance(8000);
    assert.equal(rig.written.length, n, 'silent after the ring time out');
  });

  it('DND: nothing rings', async () => {
    await rig.monitor.setDnd(true, 'test');
    const ringing: unknown[] = [];
    rig.bus.on('monitor.ringing', (e) => ringing.push(e));
    rig.sip.incoming('sip:portier@10.0.0.5', { account: null });
    assert.deepEqual(ringing, []);
    assert.deepEqual(rig.written, []);
  });

  it('Open: only on an established call with a door; DTMF code or HTTP', async () => {
    const call = rig.sip.incoming('sip:portier@10.0.0.5', { account: null });
    await assert.rejects(rig.monitor.open(call.id, 1, 'web:admin'), /not answered yet/);
    await rig.monitor.answer(call.id);
    assert.deepEqual(rig.written.length, 2, 'the ringing stopped at the answer');
    const opened: unknown[] = [];
    rig.bus.on('monitor.opened', (e) => opened.push([e.relay, e.method]));
    await rig.monitor.open(call.id, 1, 'web:admin');
    assert.deepEqual(
      rig.sip.actionsOf('dtmf').map((a) => a.digits),
      ['#'],
    );
    await rig.monitor.open(call.id, 2, 'web:admin');
    assert.deepEqual(rig.unlocks, [{ apiUrl: 'http://10.0.0.5:8080', token: 'ptk_door', relay: 2 }]);
    await assert.rejects(rig.monitor.open(call.id, 3, 'web:admin'), /no relay C/);
    assert.deepEqual(opened, [
      [1, 'dtmf'],
      [2, 'http'],
    ]);
    const stranger = rig.sip.incoming('sip:portier@10.0.0.99', { account: null });
    await rig.monitor.answer(stranger.id);
    await assert.rejects(rig.monitor.open(stranger.id, 1, 'web:admin'), /not a door of the list/);
  });
});
