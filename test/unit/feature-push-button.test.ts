import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { MONDAY_NOON, rig } from './support/feature-rig.ts';

type Rig = ReturnType<typeof rig>;
let r: Rig;
afterEach(() => r?.stop());

async function setup(pushButton: object, extra: object = {}) {
  r = rig({ intercom: { pushButton }, ...extra });
  const events: AgentEvents['intercom.call'][] = [];
  r.bus.on('intercom.call', (e) => events.push(e));
  await r.features(['push-button']);
  return events;
}

const targets = () => r.sip.dialed().map((d) => d.target);

describe('push button → call', () => {
  it('calls a single number directly by IP', async () => {
    const events = await setup({ numbers: ['192.168.1.50'] });
    r.press();
    await r.settle();
    assert.deepEqual(r.sip.dialed(), [{ callId: 'out-1', target: '192.168.1.50', account: undefined }]);
    r.sip.remoteAnswer('out-1');
    r.sip.remoteHangup('out-1');
    assert.deepEqual(
      events.map((e) => e.state),
      ['calling', 'connected', 'ended'],
    );
    assert.equal(events[2]!.reason, 'remote hangup');
  });

  it('uses the registered account for extensions', async () => {
    await setup(
      { numbers: ['101'] },
      {
        accounts: [
          { enabled: true, user: '1001', server: 'pbx' },
          { enabled: true, user: '2001', server: 'pbx2' },
        ],
      },
    );
    r.sip.setRegistration('2', 'registered');
    r.press();
    assert.equal(r.sip.dialed()[0]!.account, '2');
  });

  describe('group call', () => {
    it('rings every number at once; the first to answer wins and the others are cancelled', async () => {
      const events = await setup({ numbers: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], callType: 'group' });
      r.press();
      assert.deepEqual(targets(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
      r.sip.remoteRinging('out-1');
      r.sip.remoteAnswer('out-2');
      await r.settle();
      assert.deepEqual(r.sip.opsOf('hangup').sort(), ['out-1', 'out-3']);
      assert.ok(r.sip.isOpen('out-2'));
      assert.equal(events.at(-1)!.state, 'connected');
      assert.equal(events.at(-1)!.call!.id, 'out-2');
    });

    it('when refused, call next: the others keep ringing', async () => {
      const events = await setup({ numbers: ['10.0.0.1', '10.0.0.2'], callType: 'group', whenRefused: 'call-next' });
      r.press();
      r.sip.remoteReject('out-1', 486);
      await r.settle();
      assert.deepEqual(r.sip.opsOf('hangup'), []);
      assert.ok(r.sip.isOpen('out-2'));
      r.sip.remoteAnswer('out-2');
      assert.equal(events.at(-1)!.state, 'connected');
    });

    it('when refused, do not call next: every other call is cancelled', async () => {
      const events = await setup({
        numbers: ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
        callType: 'group',
        whenRefused: 'stop',
      });
      r.press();
      r.sip.remoteReject('out-2', 603);
      await r.settle();
      assert.deepEqual(r.sip.opsOf('hangup').sort(), ['out-1', 'out-3']);
      assert.equal(events.at(-1)!.state, 'ended');
      assert.match(events.at(-1)!.reason!, /refused by 10\.0\.0\.2/);
    });

    it('a number that does not exist is not a refusal', async () => {
      await setup({ numbers: ['10.0.0.1', '10.0.0.2'], callType: 'group', whenRefused: 'stop' });
      r.press();
      r.sip.remoteReject('out-1', 404, '404 Not Found');
      await r.settle();
      assert.ok(r.sip.isOpen('out-2'));
    });

    it('ends when no one answered', async () => {
      const events = await setup({ numbers: ['10.0.0.1', '10.0.0.2'], callType: 'group' });
      r.press();
      r.sip.remoteReject('out-1', 486);
      r.sip.remoteReject('out-2', 486);
      assert.equal(events.at(-1)!.state, 'ended');
      assert.equal(events.at(-1)!.reason, 'no one answered');
    });
  });

  describe('sequence call', () => {
    it('calls one number after another, each for the sequence timeout', async () => {
      const events = await setup({
        numbers: ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
        callType: 'sequence',
        sequenceTimeout: 20,
      });
      r.press();
      assert.deepEqual(targets(), ['10.0.0.1']);
      await r.clock.advance(19_999);
      assert.deepEqual(r.sip.opsOf('hangup'), [], 'still ringing just before the timeout');
      await r.clock.advance(1);
      assert.deepEqual(r.sip.opsOf('hangup'), ['out-1']);
      assert.deepEqual(targets(), ['10.0.0.1', '10.0.0.2']);
      r.sip.remoteAnswer('out-2');
      await r.clock.advance(60_000);
      assert.deepEqual(targets(), ['10.0.0.1', '10.0.0.2'], 'no more calls once answered');
      assert.equal(events.at(-1)!.state, 'connected');
    });

    it('when refused, call next: the next number is called at once', async () => {
      await setup({ numbers: ['10.0.0.1', '10.0.0.2'], callType: 'sequence', whenRefused: 'call-next' });
      r.press();
      r.sip.remoteReject('out-1', 486);
      assert.deepEqual(targets(), ['10.0.0.1', '10.0.0.2']);
    });

    it('when refused, do not call next: the sequence stops', async () => {
      const events = await setup({ numbers: ['10.0.0.1', '10.0.0.2'], callType: 'sequence', whenRefused: 'stop' });
      r.press();
      r.sip.remoteReject('out-1', 486);
      await r.clock.advance(60_000);
      assert.deepEqual(targets(), ['10.0.0.1']);
      assert.equal(events.at(-1)!.state, 'ended');
    });

    it('an unanswered last number ends the attempt', async () => {
      const events = await setup({ numbers: ['10.0.0.1'], callType: 'sequence', sequenceTimeout: 5 });
      r.press();
      await r.clock.advance(5000);
      assert.deepEqual(r.sip.opsOf('hangup'), ['out-1']);
      assert.equal(events.at(-1)!.reason, 'no one answered');
    });

    it('the dial out time cuts a number short of the sequence timeout', async () => {
      r = rig({
        intercom: {
          dialOutTime: 10,
          pushButton: { numbers: ['10.0.0.1', '10.0.0.2'], callType: 'sequence', sequenceTimeout: 30 },
        },
      });
      await r.features(['call-timers', 'push-button']);
      r.press();
      await r.settle();
      await r.clock.advance(10_000);
      assert.deepEqual(targets(), ['10.0.0.1', '10.0.0.2']);
    });
  });

  it('the local group call number replaces the list', async () => {
    await setup({ numbers: ['10.0.0.1', '10.0.0.2'], groupCallNumber: '10.0.0.9' });
    r.press();
    assert.deepEqual(targets(), ['10.0.0.9']);
  });

  it('a press during a call does not start another', async () => {
    await setup({ numbers: ['10.0.0.1'] });
    r.press();
    r.sip.remoteAnswer('out-1');
    r.press();
    assert.equal(targets().length, 1);
    r.sip.incoming('sip:900@pbx');
    r.sip.remoteHangup('out-1');
    r.press();
    assert.equal(targets().length, 1, 'nor during an incoming call');
  });

  it('call schedule: a press calls the numbers of the template whose schedule is active', async () => {
    const config = {
      intercom: {
        pushButton: { numbers: ['10.0.0.1'], callType: 'sequence' },
        callSchedule: {
          0: { enabled: true, name: 'night', numbers: ['10.0.2.1'], schedules: ['night'] },
          1: { enabled: true, name: 'day', numbers: ['10.0.1.1', '10.0.1.2'], schedules: ['day'] },
        },
      },
      schedules: {
        0: { name: 'day', start: '08:00', end: '18:00' },
        1: { name: 'night', start: '18:01', end: '07:59' },
      },
      inputs: { 0: { callTemplates: ['night', 'day'] } },
    };
    r = rig(config, MONDAY_NOON);
    await r.features(['push-button']);
    r.press();
    assert.deepEqual(targets(), ['10.0.1.1', '10.0.1.2'], 'the day template, both at once');
    r.sip.remoteReject('out-1', 486);
    r.sip.remoteReject('out-2', 486);
    r.clock.setWallTime(Date.UTC(2026, 0, 5, 22, 0));
    r.press();
    assert.deepEqual(targets().slice(2), ['10.0.2.1'], 'the night template');
  });

  it('follows a config change without a restart', async () => {
    await setup({ numbers: ['10.0.0.1'] });
    r.setConfig({ intercom: { pushButton: { numbers: ['10.0.0.7'] } } });
    r.press();
    assert.deepEqual(targets(), ['10.0.0.7']);
  });
});

describe('push to hang up', () => {
  it('a press hangs up the call, except within the hold time after it started', async () => {
    r = rig({ intercom: { pushToHangUp: { enabled: true, holdTime: 5 }, pushButton: { numbers: ['10.0.0.1'] } } });
    await r.features(['push-to-hang-up', 'push-button']);
    r.press();
    r.sip.remoteAnswer('out-1');
    await r.clock.advance(4999);
    r.press();
    await r.settle();
    assert.deepEqual(r.sip.opsOf('hangup'), [], 'within the hold time');
    await r.clock.advance(1);
    r.press();
    await r.settle();
    assert.deepEqual(r.sip.opsOf('hangup'), ['out-1']);
    assert.equal(r.sip.dialed().length, 1, 'the press did not call again');
  });

  it('does nothing when disabled', async () => {
    r = rig({ intercom: { pushToHangUp: { enabled: false } } });
    await r.features(['push-to-hang-up']);
    const call = r.sip.incoming('sip:1@x');
    r.sip.remoteAnswer(call.id);
    await r.clock.advance(60_000);
    r.press();
    await r.settle();
    assert.deepEqual(r.sip.opsOf('hangup'), []);
  });
});
