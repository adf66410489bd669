/**
 * The door owner (agent/door): one path for every opening. The owner drives the relay as its mode
 * says, emits one `door.opened` (method, actor, the established call), and nothing for a closing;
 * the exit button is a feature that asks it; the HAL, the SIP engine and the logs as the agent
 * wires them (halPart, doorPart, logsPart, featuresPart) on the sim driver.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { Bus } from '../../agent/bus.ts';
import { ConfigStore } from '../../agent/config/index.ts';
import type { AgentContext, AgentServices } from '../../agent/context.ts';
import { doorPart } from '../../agent/door/index.ts';
import { featuresPart } from '../../agent/features/index.ts';
import { halPart } from '../../agent/parts/hal.ts';
import { logsPart } from '../../agent/parts/logs.ts';
import { FakeClock, type Module, ModuleHost, RealClock, silentLogger } from '../../core/index.ts';
import { FakeSipEngine } from '../../sip/fake.ts';
import { rig } from './support/feature-rig.ts';

let r: ReturnType<typeof rig>;
afterEach(() => r?.stop());

function recordOpenings() {
  const opened: AgentEvents['door.opened'][] = [];
  r.bus.on('door.opened', (e) => opened.push(e));
  return opened;
}
const relayActions = () => r.relays.actions.map((a) => `${a.index}:${a.action}:${a.by}`);

describe('the door owner', () => {
  it('a monostable relay is pulsed; one door.opened with the method, the actor and the time', () => {
    r = rig();
    const opened = recordOpenings();
    const e = r.door.open({ relay: 1, method: 'home-assistant', actor: 'token:HA' });
    assert.deepEqual(relayActions(), ['1:trigger:home-assistant token:HA']);
    assert.deepEqual(opened, [
      { relay: 1, name: 'Gate', method: 'home-assistant', actor: 'token:HA', at: r.clock.now() },
    ]);
    assert.deepEqual(e, opened[0]);
  });

  it('the owner, not the caller, says which call the door was opened during: the established one', () => {
    r = rig();
    const opened = recordOpenings();
    const ringing = r.sip.incoming('sip:visitor@10.0.0.9', { account: null });
    r.door.open({ relay: 0, method: 'api', actor: 'web:admin' });
    assert.equal(opened[0]!.call, undefined, 'a ringing call is not one the door was opened during');
    const talking = r.sip.incoming('sip:monitor@10.0.0.5', { account: null });
    r.sip.remoteAnswer(talking.id);
    r.door.open({ relay: 0, method: 'api', actor: 'web:admin' });
    assert.equal(opened[1]!.call?.id, talking.id);
    assert.notEqual(opened[1]!.call?.id, ringing.id);
  });

  it('a bistable relay is switched on by an opening; switching it off is no opening', () => {
    r = rig({ relays: { 2: { mode: 'bistable' } } });
    const opened = recordOpenings();
    r.door.open({ relay: 2, method: 'api', actor: 'web:admin' });
    assert.deepEqual(relayActions(), ['2:on:web:admin']);
    r.door.close({ relay: 2, actor: 'web:admin' });
    assert.deepEqual(relayActions(), ['2:on:web:admin', '2:off:web:admin']);
    assert.deepEqual(
      opened.map((e) => [e.relay, e.method]),
      [[2, 'api']],
    );
  });

  it('a trigger toggles a bistable relay: an opening when it switches on, none when it switches off', () => {
    r = rig({ relays: { 2: { mode: 'bistable' } } });
    const opened = recordOpenings();
    assert.ok(r.door.trigger({ relay: 2, method: 'api', actor: 'web:admin' }));
    assert.equal(r.door.trigger({ relay: 2, method: 'api', actor: 'web:admin' }), undefined);
    assert.deepEqual(relayActions(), ['2:on:web:admin', '2:off:web:admin']);
    assert.equal(opened.length, 1);
    r.door.trigger({ relay: 0, method: 'api', actor: 'web:admin' });
    r.door.trigger({ relay: 0, method: 'api', actor: 'web:admin' });
    assert.equal(opened.length, 3, 'each trigger of a monostable relay is an opening (a pulse)');
  });

  it('a relay that cannot be driven throws, naming it, and nothing is emitted', () => {
    r = rig({ relays: { 1: { enabled: false } } });
    const opened = recordOpenings();
    assert.throws(() => r.door.open({ relay: 1, method: 'api', actor: 'x' }), /relay 2 \(Gate\) is disabled/);
    assert.throws(() => r.door.open({ relay: 7, method: 'api', actor: 'x' }), /no relay 8/);
    assert.deepEqual(opened, []);
    assert.deepEqual(relayActions(), []);
  });
});

describe('exit button (every feature, as the agent builds them)', () => {
  it('a press opens the door of its relay: exactly one door.opened, method exit-button', async () => {
    r = rig();
    await r.features();
    const opened = recordOpenings();
    r.press(1); // Exit button, relay 1 by default
    assert.deepEqual(
      opened.map((e) => [e.relay, e.name, e.method, e.actor]),
      [[0, 'Door', 'exit-button', 'Exit button']],
    );
    assert.deepEqual(relayActions(), ['0:trigger:input Exit button'], 'the release opens nothing');
  });

  it('follows the relay set for the input; a push button or a door contact opens nothing', async () => {
    r = rig();
    await r.features(['exit-button']);
    const opened = recordOpenings();
    r.setConfig({ inputs: { 1: { relay: 2 } } });
    r.press(1);
    r.press(0);
    r.press(2);
    assert.deepEqual(
      opened.map((e) => [e.relay, e.method]),
      [[1, 'exit-button']],
    );
  });

  it('opening by the exit button during a call ends it when hang up after opening covers inputs', async () => {
    r = rig({ intercom: { hangUpAfterOpen: { enabled: true, type: 'input', timeout: 2 } } });
    await r.features(['exit-button', 'hang-up-after-open']);
    const call = r.sip.incoming('sip:monitor@10.0.0.5', { account: null });
    r.sip.remoteAnswer(call.id);
    r.press(1);
    await r.clock.advance(2000);
    assert.deepEqual(r.sip.opsOf('hangup'), [call.id]);
  });
});

describe('door code by DTMF (every feature, as the agent builds them)', () => {
  it('the resident the door called sends the code: one door.opened by DTMF, during that call, and the call ends', async () => {
    r = rig({
      intercom: {
        pushButton: { numbers: ['10.0.0.5'] },
        hangUpAfterOpen: { enabled: true, type: 'dtmf', timeout: 3 },
      },
      relays: { 0: { dtmfCode: '#' } },
    });
    await r.features();
    const opened = recordOpenings();
    r.press();
    const [call] = r.sip.calls();
    r.sip.remoteAnswer(call!.id);
    r.sip.remoteDtmf(call!.id, '#');
    assert.deepEqual(
      opened.map((e) => [e.relay, e.method, e.actor, e.call?.id]),
      [[0, 'dtmf', call!.peer, call!.id]],
    );
    assert.deepEqual(relayActions(), [`0:trigger:dtmf ${call!.peer}`]);
    await r.clock.advance(3000);
    assert.deepEqual(r.sip.opsOf('hangup'), [call!.id]);
  });
});

describe('the agent: HAL, SIP engine, door, logs and features wired as in agent/main.ts', () => {
  let dir: string;
  let host: ModuleHost | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function agent() {
    dir = await mkdtemp(join(tmpdir(), 'portier-door-'));
    const config = new ConfigStore({ dataDir: dir, clock: new RealClock(), log: silentLogger() });
    await config.load();
    const clock = new FakeClock();
    const bus = new Bus();
    const ctx: AgentContext = {
      options: { dataDir: dir, hal: 'sim', dev: false },
      config,
      bus,
      clock,
      log: silentLogger(),
      services: {},
      restart: () => {},
      firmwareVersion: 'test',
      callsInProgress: () => 0,
    };
    const sipPart = (c: AgentContext): Module[] => {
      c.services.sip = new FakeSipEngine(clock);
      return [];
    };
    host = new ModuleHost(silentLogger());
    for (const part of [halPart, sipPart, doorPart, logsPart, featuresPart]) host.add(...part(ctx));
    const events: { name: string; payload: unknown }[] = [];
    for (const name of ['input.changed', 'relay.changed', 'door.opened'] as const)
      bus.on(name, (payload) => events.push({ name, payload }));
    await host.start();
    return { ctx, clock, events, services: ctx.services as AgentServices };
  }

  it('an exit button press: the line, the relay, and exactly one door.opened (method exit-button), in the door log', async () => {
    const { clock, events, services } = await agent();
    services.simGpio.press('EXIT_BUTTON');
    await clock.advance(50);
    services.simGpio.release('EXIT_BUTTON');
    await clock.advance(50);
    assert.deepEqual(
      events.map((e) => e.name),
      ['input.changed', 'relay.changed', 'door.opened', 'input.changed'],
    );
    const opened = events[2]!.payload as AgentEvents['door.opened'];
    assert.deepEqual(
      [opened.relay, opened.name, opened.method, opened.actor],
      [0, 'Door', 'exit-button', 'Exit button'],
    );
    assert.equal((events[1]!.payload as AgentEvents['relay.changed']).by, 'input Exit button');
    for (let i = 0; i < 100 && services.doorLog.page({}).total === 0; i++)
      await new Promise((res) => setImmediate(res));
    assert.deepEqual(
      services.doorLog.page({}).entries.map((e) => [e.relay, e.relayName, e.method, e.by]),
      [[0, 'Door', 'exit-button', 'Exit button']],
    );
    await clock.advance(3000);
    assert.equal(services.relays.states()[0]?.on, false, 'pulsed for the hold time');
  });
});
