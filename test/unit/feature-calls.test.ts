/** Call timers, DTMF door unlock, hang up after opening the door, DND, auto-answer, push button action relay. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { INTER_DIGIT_MS } from '../../agent/features/index.ts';
import type { CallEnd } from '../../sip/index.ts';
import { rig } from './support/feature-rig.ts';

let r: ReturnType<typeof rig>;
afterEach(() => r?.stop());

describe('max call time, dial in time, dial out time', () => {
  it('an unanswered incoming call ends at the dial in time, not a millisecond before', async () => {
    r = rig({ intercom: { dialInTime: 30 } });
    await r.features(['call-timers']);
    const call = r.sip.incoming('sip:100@pbx');
    await r.clock.advance(29_999);
    assert.deepEqual(r.sip.opsOf('hangup'), []);
    await r.clock.advance(1);
    assert.deepEqual(r.sip.opsOf('hangup'), [call.id]);
  });

  it('an answered incoming call is not ended at the dial in time', async () => {
    r = rig({ intercom: { dialInTime: 30 } });
    await r.features(['call-timers']);
    const call = r.sip.incoming('sip:100@pbx');
    await r.clock.advance(10_000);
    r.sip.remoteAnswer(call.id);
    await r.clock.advance(30_000);
    assert.deepEqual(r.sip.opsOf('hangup'), []);
  });

  it('an unanswered outgoing call is cancelled at the dial out time', async () => {
    r = rig({ intercom: { dialOutTime: 15 } });
    await r.features(['call-timers']);
    const call = r.sip.dial('10.0.0.1');
    await r.settle();
    r.sip.remoteRinging(call.id);
    await r.clock.advance(14_999);
    assert.deepEqual(r.sip.opsOf('hangup'), []);
    await r.clock.advance(1);
    assert.deepEqual(r.sip.opsOf('hangup'), [call.id]);
  });

  it('every call ends at the max call time (minutes) after it was answered', async () => {
    r = rig({ intercom: { maxCallTime: 2, dialOutTime: 60 } });
    await r.features(['call-timers']);
    const call = r.sip.dial('10.0.0.1');
    await r.settle();
    await r.clock.advance(50_000);
    r.sip.remoteAnswer(call.id);
    await r.clock.advance(119_999);
    assert.deepEqual(r.sip.opsOf('hangup'), [], 'the dial out timer stopped at the answer');
    await r.clock.advance(1);
    assert.deepEqual(r.sip.opsOf('hangup'), [call.id]);
  });

  it('a closed call leaves no timer behind', async () => {
    r = rig({});
    await r.features(['call-timers']);
    const call = r.sip.incoming('sip:100@pbx');
    r.sip.remoteHangup(call.id);
    assert.equal(r.clock.pending, 0);
  });
});

describe('door unlock by DTMF', () => {
  async function established(relays: object) {
    // an allowed caller (test/unit/feature-callers.test.ts has the others)
    r = rig({ relays, callFeature: { callers: { allowList: ['sip:monitor@10.0.0.5'] } } });
    const opened: AgentEvents['door.opened'][] = [];
    r.bus.on('door.opened', (e) => opened.push(e));
    await r.features(['door-unlock']);
    const call = r.sip.incoming('sip:monitor@10.0.0.5', { account: null });
    r.sip.remoteAnswer(call.id);
    return { call, opened };
  }

  it('the code of a relay triggers it and is logged as a door opening by DTMF', async () => {
    const { call, opened } = await established({ 0: { dtmfCode: '#' }, 1: { dtmfCode: '123' } });
    r.sip.remoteDtmf(call.id, '123');
    assert.deepEqual(
      r.relays.actions.map((a) => [a.index, a.action]),
      [[1, 'trigger']],
    );
    assert.equal(opened.length, 1);
    assert.equal(opened[0]!.method, 'dtmf');
    assert.equal(opened[0]!.relay, 1);
    assert.equal(opened[0]!.actor, 'sip:monitor@10.0.0.5');
    assert.equal(opened[0]!.call!.id, call.id);
    r.sip.remoteDtmf(call.id, '#');
    assert.deepEqual(
      r.relays.actions.map((a) => a.index),
      [1, 0],
    );
  });

  it('wrong digits before the code do not matter; digits apart by more than the inter-digit time start over', async () => {
    const { call } = await established({ 0: { dtmfCode: '' }, 1: { dtmfCode: '42' } });
    r.sip.remoteDtmf(call.id, '9942');
    assert.equal(r.relays.actions.length, 1);
    r.sip.remoteDtmf(call.id, '4');
    await r.clock.advance(INTER_DIGIT_MS);
    r.sip.remoteDtmf(call.id, '2');
    await r.clock.advance(INTER_DIGIT_MS);
    assert.equal(r.relays.actions.length, 1, '4 … 2 too far apart');
  });

  it('when a code is the start of a longer one, it waits for the inter-digit time', async () => {
    const { call } = await established({ 0: { dtmfCode: '1' }, 1: { dtmfCode: '12' } });
    r.sip.remoteDtmf(call.id, '1');
    await r.clock.advance(INTER_DIGIT_MS - 1);
    assert.equal(r.relays.actions.length, 0);
    await r.clock.advance(1);
    assert.deepEqual(
      r.relays.actions.map((a) => a.index),
      [0],
    );
    r.sip.remoteDtmf(call.id, '12');
    assert.deepEqual(
      r.relays.actions.map((a) => a.index),
      [0, 1],
      '12 opens at once',
    );
  });

  it('digits of a call that is not established, or of a disabled relay, open nothing', async () => {
    r = rig({ relays: { 2: { dtmfCode: '7', enabled: false } } });
    await r.features(['door-unlock']);
    const call = r.sip.incoming('sip:x@y');
    r.sip.remoteDtmf(call.id, '#');
    r.sip.remoteAnswer(call.id);
    r.sip.remoteDtmf(call.id, '7');
    await r.clock.advance(INTER_DIGIT_MS);
    assert.equal(r.relays.actions.length, 0);
  });
});

describe('hang up after opening the door', () => {
  async function setup(s: object) {
    r = rig({
      intercom: { hangUpAfterOpen: { enabled: true, type: 'dtmf', timeout: 5, ...s } },
      callFeature: { callers: { allowList: ['sip:monitor@10.0.0.5'] } },
    });
    await r.features(['door-unlock', 'hang-up-after-open']);
    const call = r.sip.incoming('sip:monitor@10.0.0.5', { account: null });
    r.sip.remoteAnswer(call.id);
    return call;
  }

  it('ends the call the time out after the door was opened by DTMF', async () => {
    const call = await setup({});
    r.sip.remoteDtmf(call.id, '#');
    await r.clock.advance(4999);
    assert.deepEqual(r.sip.opsOf('hangup'), []);
    await r.clock.advance(1);
    assert.deepEqual(r.sip.opsOf('hangup'), [call.id]);
  });

  it('another unlock method than the configured type does not end the call', async () => {
    const call = await setup({ type: 'api' });
    r.sip.remoteDtmf(call.id, '#');
    await r.clock.advance(60_000);
    assert.deepEqual(r.sip.opsOf('hangup'), []);
    r.door.open({ relay: 0, method: 'api', actor: 'web:admin' });
    await r.clock.advance(5000);
    assert.deepEqual(r.sip.opsOf('hangup'), [call.id], 'an API opening ends the established call');
  });

  it('does nothing when disabled', async () => {
    const call = await setup({ enabled: false });
    r.sip.remoteDtmf(call.id, '#');
    await r.clock.advance(60_000);
    assert.deepEqual(r.sip.opsOf('hangup'), []);
  });
});

describe('DND', () => {
  const accounts = (dnd: object) => ({
    accounts: [{ enabled: true, user: '1001', server: 'pbx', dnd: { enabled: true, returnCode: '480', ...dnd } }, {}],
  });

  it('rejects incoming calls on the account: asks for the return code, and 486 goes out (baresip 1.0.0)', async () => {
    r = rig(accounts({}));
    await r.features(['dnd']);
    const ends: CallEnd[] = [];
    r.sip.events.on('call.closed', ({ end }) => ends.push(end));
    const call = r.sip.incoming('sip:200@pbx', { account: '1' });
    await r.settle();
    assert.deepEqual(r.sip.ops.at(-1), { op: 'reject', callId: call.id, code: 480 }, 'the configured return code');
    assert.deepEqual(ends, [{ reason: 'rejected (486 sent for 480)', code: 486 }], 'the code the engine can send');
    const other = r.sip.incoming('10.0.0.5', { account: null });
    const second = r.sip.incoming('sip:9@pbx2', { account: '2' });
    await r.settle();
    assert.deepEqual(r.sip.opsOf('reject'), [call.id], `direct IP (${other.id}) and account 2 (${second.id}) ring`);
  });

  it('by schedule: only while the schedule is active', async () => {
    r = rig({
      ...accounts({ when: 'schedule', schedule: 'night' }),
      schedules: { 0: { name: 'night', start: '22:00', end: '06:00' } },
    });
    await r.features(['dnd']);
    r.sip.incoming('sip:200@pbx', { account: '1' });
    await r.settle();
    assert.deepEqual(r.sip.opsOf('reject'), [], 'noon');
    r.clock.setWallTime(Date.UTC(2026, 0, 5, 23, 0));
    const night = r.sip.incoming('sip:200@pbx', { account: '1' });
    await r.settle();
    assert.deepEqual(r.sip.opsOf('reject'), [night.id]);
  });

  it('turning DND on and off dials the DND on and off codes on that account', async () => {
    r = rig(accounts({ enabled: false, onCode: '*78', offCode: '*79' }));
    await r.features(['dnd']);
    r.setConfig({ accounts: { 0: { dnd: { enabled: true } } } });
    assert.deepEqual(r.sip.dialed(), [{ callId: 'out-1', target: '*78', account: '1' }]);
    r.sip.remoteAnswer('out-1');
    await r.clock.advance(1000);
    assert.deepEqual(r.sip.opsOf('hangup'), ['out-1'], 'the code call ends after the server answered');
    r.setConfig({ accounts: { 0: { dnd: { enabled: false } } } });
    assert.equal(r.sip.dialed()[1]!.target, '*79');
    r.setConfig({ accounts: { 0: { label: 'x' } } });
    assert.equal(r.sip.dialed().length, 2, 'no code when the DND state did not change');
  });

  it('a schedule that starts sends the on code at that minute', async () => {
    r = rig(
      {
        ...accounts({ when: 'schedule', schedule: 'lunch', onCode: '*78', offCode: '*79' }),
        schedules: { 0: { name: 'lunch', start: '12:30', end: '13:00' } },
      },
      Date.UTC(2026, 0, 5, 12, 29, 30),
    );
    await r.features(['dnd']);
    await r.clock.advance(29_000);
    assert.equal(r.sip.dialed().length, 0);
    await r.clock.advance(1000);
    assert.deepEqual(
      r.sip.dialed().map((d) => d.target),
      ['*78'],
    );
    await r.clock.advance(31 * 60_000);
    assert.deepEqual(
      r.sip.dialed().map((d) => d.target),
      ['*78', '*79'],
    );
  });
});

describe('auto-answer', () => {
  // allowed callers: 10.0.0.5 (direct IP) and number 200 (on an account); strangers: feature-callers.test.ts
  const settings = (sip: object, ip: object) => ({
    callFeature: { autoAnswerSip: sip, autoAnswerIp: ip, callers: { allowList: ['10.0.0.5', '200'] } },
  });

  it('answers SIP calls after the SIP delay in the SIP mode, and IP calls by their own settings', async () => {
    r = rig(settings({ enabled: true, delay: 3, mode: 'audio' }, { enabled: true, delay: 0, mode: 'video' }));
    await r.features(['auto-answer']);
    const sip = r.sip.incoming('sip:200@pbx', { account: '1' });
    const ip = r.sip.incoming('10.0.0.5', { account: null });
    assert.deepEqual(r.sip.ops, [{ op: 'answer', callId: ip.id, video: true }]);
    await r.clock.advance(2999);
    assert.equal(r.sip.opsOf('answer').length, 1);
    await r.clock.advance(1);
    assert.deepEqual(r.sip.ops.at(-1), { op: 'answer', callId: sip.id });
  });

  it('disabled for one kind, the other still answers', async () => {
    r = rig(settings({ enabled: false }, { enabled: true, delay: 1 }));
    await r.features(['auto-answer']);
    r.sip.incoming('sip:200@pbx', { account: '1' });
    const ip = r.sip.incoming('10.0.0.5', { account: null });
    await r.clock.advance(60_000);
    assert.deepEqual(r.sip.opsOf('answer'), [ip.id]);
  });

  it('a caller who hangs up before the delay is not answered; DND wins over auto-answer', async () => {
    r = rig({
      ...settings({ enabled: true, delay: 5 }, { enabled: true }),
      accounts: [{ enabled: true, user: '1', server: 'pbx', dnd: { enabled: true } }, {}],
    });
    await r.features(['auto-answer']);
    const gone = r.sip.incoming('10.0.0.5', { account: null });
    await r.settle();
    assert.deepEqual(r.sip.opsOf('answer'), [gone.id]);
    r.sip.incoming('sip:200@pbx', { account: '1' });
    await r.clock.advance(10_000);
    assert.equal(r.sip.opsOf('answer').length, 1, 'the DND account is not answered');
  });
});

describe('push button action: the relay (every feature, built and started as the agent does)', () => {
  async function setup(relayReset: string, numbers = ['10.0.0.1']) {
    r = rig({ intercom: { pushButton: { numbers }, pushButtonAction: { relay: 2, relayReset } } });
    await r.features(); // createFeatures: push button starts before push button action, as in the agent
    r.press();
  }
  const relayActions = () => r.relays.actions.map((a) => `${a.index}:${a.action}`);

  it('is switched on when the press places a call, and reset when the call is hung up', async () => {
    await setup('hang-up');
    assert.equal(r.sip.dialed().length, 1, 'the press placed the call');
    assert.deepEqual(relayActions(), ['1:on']);
    r.sip.remoteAnswer('out-1');
    assert.deepEqual(relayActions(), ['1:on'], 'the answer does not reset it');
    r.sip.remoteHangup('out-1');
    assert.deepEqual(relayActions(), ['1:on', '1:off']);
  });

  it('or reset when the line is connected', async () => {
    await setup('line-connected');
    assert.deepEqual(relayActions(), ['1:on']);
    r.sip.remoteAnswer('out-1');
    assert.deepEqual(relayActions(), ['1:on', '1:off']);
    r.sip.remoteHangup('out-1');
    assert.equal(r.relays.actions.length, 2);
  });

  it('is reset when the call is not answered (refused)', async () => {
    await setup('line-connected');
    r.sip.remoteReject('out-1', 486);
    await r.settle();
    assert.deepEqual(relayActions(), ['1:on', '1:off']);
  });

  it('is not switched on by a press that places no call: nothing to call, or a call in progress', async () => {
    await setup('hang-up', []);
    assert.equal(r.sip.dialed().length, 0);
    assert.deepEqual(relayActions(), [], 'nothing to call');
    r.setConfig({ intercom: { pushButton: { numbers: ['10.0.0.1'] } } });
    const call = r.sip.incoming('sip:900@pbx');
    r.sip.remoteAnswer(call.id);
    r.press();
    assert.equal(r.sip.dialed().length, 0, 'push to hang up decides during a call');
    assert.deepEqual(relayActions(), [], 'a press during a call');
  });
});
