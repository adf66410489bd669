/**
 * The fake SIP engine ends calls as the real one does (test/integration/sip-engine.test.ts proves
 * these of baresip 1.0.0): a reject sends 486 whatever the code asked, only a ringing call can be
 * rejected, and hanging up a call that rings here refuses it with 486.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../core/index.ts';
import { type CallEnd, FakeSipEngine } from '../../sip/index.ts';

function engine() {
  const sip = new FakeSipEngine(new FakeClock(0));
  const ends = new Map<string, CallEnd>();
  sip.events.on('call.closed', ({ call, end }) => ends.set(call.id, end));
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { sip, ends, settle };
}

describe('fake SIP engine: what goes out is what baresip 1.0.0 can send', () => {
  it('a reject with another code than 486 ends the call with 486, and says which code was asked', async () => {
    const { sip, ends, settle } = engine();
    const declined = sip.incoming('sip:200@pbx');
    const busy = sip.incoming('sip:201@pbx');
    await sip.reject(declined.id, 603);
    await sip.reject(busy.id, 486);
    await settle();
    assert.deepEqual(ends.get(declined.id), { reason: 'rejected (486 sent for 603)', code: 486 });
    assert.deepEqual(ends.get(busy.id), { reason: 'rejected', code: 486 });
    assert.deepEqual(sip.actionsOf('reject'), [
      { kind: 'reject', callId: declined.id, code: 603 },
      { kind: 'reject', callId: busy.id, code: 486 },
    ]);
  });

  it('only a call ringing here can be rejected', async () => {
    const { sip, settle } = engine();
    const call = sip.incoming('sip:200@pbx');
    sip.remoteAnswer(call.id);
    await assert.rejects(sip.reject(call.id, 486), /is not ringing here \(it is established\)/);
    const out = sip.dial('sip:300@pbx');
    await settle();
    await assert.rejects(sip.reject(out.id, 486), /is not ringing here \(it is dialing\)/);
    assert.ok(sip.isOpen(call.id) && sip.isOpen(out.id), 'both calls go on');
  });

  it('hanging up a call that rings here refuses it with 486; an established call ends as a local hangup', async () => {
    const { sip, ends, settle } = engine();
    const ringing = sip.incoming('sip:200@pbx');
    const talking = sip.incoming('sip:201@pbx');
    sip.remoteAnswer(talking.id);
    await sip.hangup(ringing.id);
    await sip.hangup(talking.id);
    await settle();
    assert.deepEqual(ends.get(ringing.id), { reason: 'rejected', code: 486 });
    assert.deepEqual(ends.get(talking.id), { reason: 'local hangup' });
  });

  it('a remote party may refuse with any code', async () => {
    const { sip, ends } = engine();
    const out = sip.dial('sip:300@pbx');
    sip.remoteReject(out.id, 603, '603 Decline');
    assert.deepEqual(ends.get(out.id), { reason: '603 Decline', code: 603 });
  });
});
