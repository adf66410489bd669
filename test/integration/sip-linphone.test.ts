/** A call between the engine (baresip) and linphonec, a SIP client not built on baresip. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEngine, type TestEngine } from '../harness/engine.ts';
import { Linphone } from '../harness/linphone.ts';
import { stopAll } from '../harness/processes.ts';

describe('SIP engine with linphonec', () => {
  let engine: TestEngine;
  let lp: Linphone;

  before(async () => {
    [engine, lp] = await Promise.all([startEngine(), Linphone.start({ autoAnswer: true })]);
  });

  after(async () => {
    await Promise.allSettled([engine?.stop(), lp?.stop()]);
    await stopAll();
  });

  it('calls linphonec by IP; it answers; DTMF reaches it; we hang up', async () => {
    const call = engine.engine.dial(lp.uri);
    await engine.waitFor('call.established', (p) => p.call.id === call.id);
    await lp.waitFor(/Call \d+ with .* connected/);
    await engine.engine.sendDtmf(call.id, '5');
    await lp.waitFor(/Receiving tone 5/);
    await engine.engine.hangup(call.id);
    assert.equal((await engine.waitFor('call.closed', (p) => p.call.id === call.id)).end.reason, 'local hangup');
    await lp.waitFor(/Call \d+ with .* ended/);
  });

  // The other way (linphonec calling us) fails on this host: linphonec puts the host's IPv6 address
  // in its SDP whatever its settings say, and baresip, bound to 127.0.0.1, answers 488.
});
