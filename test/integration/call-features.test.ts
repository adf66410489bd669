/**
 * Call features end to end, with the whole agent (sim HAL, real baresip engine), a real kamailio
 * PBX and real baresip indoor monitors, all on 127.0.0.1:
 * group call, sequence call with a refusal, DND, DTMF door code → relay → hang up after opening,
 * and max call time (run alongside the others: it waits its minute).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { startAgent, type TestAgent, until } from '../harness/agent.ts';
import { BaresipPeer } from '../harness/baresip-peer.ts';
import { type Kamailio, startKamailio } from '../harness/kamailio.ts';
import { stopAll } from '../harness/processes.ts';

const NO_AUTO_ANSWER = { autoAnswerSip: { enabled: false }, autoAnswerIp: { enabled: false } };

/** Presses the simulated push button of an agent (held 100 ms: longer than the 50 ms debounce). */
async function press(a: TestAgent, line = 'PUSH_BUTTON') {
  const sim = a.agent.ctx.services.simGpio!;
  sim.press(line);
  await new Promise((r) => setTimeout(r, 100));
  sim.release(line);
}

function record<E extends keyof AgentEvents>(a: TestAgent, event: E): AgentEvents[E][] {
  const got: AgentEvents[E][] = [];
  a.agent.ctx.bus.on(event, (e) => got.push(e));
  return got;
}

async function hangUpAll(a: TestAgent) {
  const sip = a.agent.ctx.services.sip!;
  for (const c of sip.calls()) await sip.hangup(c.id).catch(() => {});
  await until(() => sip.calls().length === 0, 'all calls ended');
}

describe('call features with real baresip monitors', { concurrency: 2 }, () => {
  after(() => stopAll());

  it('max call time ends a call', async () => {
    const monitor = await BaresipPeer.start({ name: 'max-monitor', answer: 'auto' });
    const door = await startAgent({ config: { intercom: { maxCallTime: 1 }, callFeature: NO_AUTO_ANSWER } });
    try {
      const closed = record(door, 'call.closed');
      const call = door.agent.ctx.services.sip!.dial(monitor.directUri);
      await monitor.waitFor('CALL_ESTABLISHED', () => true, 10_000);
      const end = await monitor.waitFor('CALL_CLOSED', () => true, 90_000);
      assert.ok(end, 'the monitor saw the door hang up');
      const mine = await until(() => closed.find((c) => c.call.id === call.id), 'the call closed at the door');
      assert.equal(mine.end.reason, 'local hangup');
      assert.ok(
        door.logs.some((l) => l.msg === 'max call time reached: ending the call'),
        'ended by the max call time',
      );
    } finally {
      await door.stop();
      await monitor.stop();
    }
  });

  describe('through the PBX', { concurrency: 1 }, () => {
    let pbx: Kamailio;
    let door: TestAgent;
    let monitors: BaresipPeer[];
    let caller: BaresipPeer;

    before(async () => {
      pbx = await startKamailio({ subscribers: 5 });
      const [doorSub, ...subs] = pbx.subscribers;
      monitors = await Promise.all(
        subs
          .slice(0, 3)
          .map((s, i) => BaresipPeer.start({ name: `monitor${i + 1}`, register: { pbx, subscriber: s } })),
      );
      caller = await BaresipPeer.start({ name: 'caller', register: { pbx, subscriber: subs[3]! } });
      door = await startAgent({
        config: {
          accounts: [
            { enabled: true, user: doorSub!.user, password: doorSub!.password, server: pbx.host, port: pbx.port },
            {},
          ],
          intercom: { pushButton: { numbers: subs.slice(0, 3).map((s) => s.user), callType: 'group' } },
          callFeature: NO_AUTO_ANSWER,
        },
      });
      await until(
        () => door.agent.ctx.services.sip!.registrations().some((r) => r.state === 'registered'),
        'the door registered',
      );
    });
    after(async () => {
      await door?.stop();
      for (const p of [...(monitors ?? []), caller]) await p?.stop();
      await pbx?.stop();
    });

    const clearAll = () => {
      for (const m of [...monitors, caller]) m.clear();
    };

    it('group call: all three monitors ring, one answers, the others receive CANCEL', async () => {
      clearAll();
      const cancelsBefore = pbx.count('CANCEL');
      const established = record(door, 'call.established');
      await press(door);
      await Promise.all(monitors.map((m) => m.waitFor('CALL_INCOMING')));
      await monitors[1]!.answer();
      await monitors[0]!.waitFor('CALL_CLOSED');
      await monitors[2]!.waitFor('CALL_CLOSED');
      await until(() => established.length > 0, 'the door saw the answer');
      assert.match(established[0]!.call.peer, new RegExp(`sip:${pbx.subscribers[2]!.user}@`));
      assert.equal(monitors[1]!.count('CALL_CLOSED'), 0, 'the one who answered stays in the call');
      await until(() => pbx.count('CANCEL') - cancelsBefore >= 2, 'the PBX relaying a CANCEL to each of the other two');
      await hangUpAll(door);
    });

    it('sequence call: the first monitor refuses (486), the second answers, the third never rings', async () => {
      await door.agent.ctx.config.apply({
        intercom: { pushButton: { callType: 'sequence', whenRefused: 'call-next' } },
      });
      clearAll();
      const intercom = record(door, 'intercom.call');
      await press(door);
      await monitors[0]!.waitFor('CALL_INCOMING');
      assert.equal(monitors[1]!.count('CALL_INCOMING'), 0, 'one at a time');
      await monitors[0]!.reject();
      await monitors[1]!.waitFor('CALL_INCOMING');
      await monitors[1]!.answer();
      await until(() => intercom.some((e) => e.state === 'connected'), 'the sequence call connected');
      assert.equal(monitors[2]!.count('CALL_INCOMING'), 0);
      await hangUpAll(door);
    });

    it('DND rejects an incoming call with the configured code, as seen by the caller', async () => {
      await door.agent.ctx.config.apply({ accounts: { 0: { dnd: { enabled: true, returnCode: '486' } } } });
      clearAll();
      await caller.dial(`sip:${pbx.subscribers[0]!.user}@${pbx.host}:${pbx.port}`);
      const closed = await caller.waitFor('CALL_CLOSED');
      assert.match(String(closed.param), /486/);
      // the caller hears the 486 through the PBX about when the door's engine reports the end: wait for the entry
      const log = await until(
        () => door.agent.ctx.services.callLog!.page({ limit: 1 }).entries.find((e) => e.direction === 'incoming'),
        'the call log entry of the rejected call',
      );
      assert.equal(log.direction, 'incoming');
      assert.equal(log.result, 'rejected');
      await door.agent.ctx.config.apply({ accounts: { 0: { dnd: { enabled: false } } } });
    });

    it('a monitor sends the door code: the relay pulses, and the call ends after the hang-up-after-open time out', async () => {
      await door.agent.ctx.config.apply({
        intercom: {
          pushButton: { callType: 'group' },
          hangUpAfterOpen: { enabled: true, type: 'dtmf', timeout: 2 },
        },
        relays: { 0: { holdTime: 1, dtmfCode: '#' } },
      });
      clearAll();
      const relay = record(door, 'relay.changed');
      const opened = record(door, 'door.opened');
      const media = record(door, 'call.media');
      await press(door);
      await monitors[0]!.waitFor('CALL_INCOMING');
      await monitors[0]!.answer();
      // DTMF travels in RTP (RFC 4733): send once the audio flows both ways, as a resident would
      await monitors[0]!.waitFor('CALL_RTPESTAB');
      await until(() => media.length > 0, 'audio up at the door');
      await monitors[0]!.sendDtmf('#');
      await until(() => relay.some((r) => r.index === 0 && r.on), 'relay A energized');
      await until(() => relay.some((r) => r.index === 0 && !r.on), 'relay A released after its hold time', 400);
      await monitors[0]!.waitFor('CALL_CLOSED', () => true, 10_000);
      assert.equal(opened.length, 1);
      assert.equal(opened[0]!.method, 'dtmf');
      assert.match(opened[0]!.actor, new RegExp(`sip:${pbx.subscribers[1]!.user}@`));
      const entry = door.agent.ctx.services.doorLog!.page({ limit: 1 }).entries[0]!;
      assert.equal(entry.method, 'dtmf');
      assert.equal(entry.relayName, 'Door');
      const order = [...relay.map((r) => ({ what: r.on ? 'relay on' : 'relay off', at: r.at }))].map((x) => x.what);
      assert.deepEqual(order.slice(0, 2), ['relay on', 'relay off']);
      assert.ok(
        door.logs.some((l) => l.msg === 'door opened during the call: hanging up after the time out'),
        'the door hung up because the door was opened',
      );
    });
  });
});
