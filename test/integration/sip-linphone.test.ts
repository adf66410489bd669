/**
 * Calls between the door and linphonec (Debian linphone-cli), a SIP client not built on baresip,
 * configured as a resident's app on an IPv4 LAN would be (test/harness/linphone.ts), both ways.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RelayChanged } from '../../hal/types.ts';
import { startAgent, type TestAgent, until } from '../harness/agent.ts';
import { startEngine, type TestEngine } from '../harness/engine.ts';
import { Linphone } from '../harness/linphone.ts';
import { stopAll } from '../harness/processes.ts';

describe('the door calls linphonec', () => {
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
});

describe('linphonec calls the door', () => {
  let door: TestAgent;
  let lp: Linphone;

  before(async () => {
    [door, lp] = await Promise.all([
      startAgent({
        dev: false,
        config: {
          // linphonec calls from sip:linphone@127.0.0.1: on the allow-list, so auto-answered and its codes accepted.
          callFeature: { callers: { allowList: ['127.0.0.1'] }, autoAnswerIp: { enabled: true, delay: 0 } },
          relays: { 0: { dtmfCode: '#', holdTime: 1 } },
          intercom: { hangUpAfterOpen: { enabled: false } },
        },
      }),
      Linphone.start(),
    ]);
  });

  after(async () => {
    await Promise.allSettled([door?.stop(), lp?.stop()]);
    await stopAll();
  });

  it('is answered (no 488 for its SDP), and its # opens the door without any audio sent', async () => {
    let timer: NodeJS.Timeout | undefined;
    const relayOn = new Promise<RelayChanged>((resolve, reject) => {
      const off = door.agent.ctx.bus.on('relay.changed', (r) => {
        if (r.index === 0 && r.on) {
          off();
          clearTimeout(timer);
          resolve(r);
        }
      });
      timer = setTimeout(() => {
        off();
        reject(new Error('relay A was not switched on by the # of linphonec'));
      }, 10_000);
    });
    const port = door.agent.ctx.config.get().directIp.port;
    lp.send(`call sip:portier@127.0.0.1:${port}`);
    await lp.waitFor(/Call \d+ with .* connected/);
    const sip = door.agent.ctx.services.sip!;
    const call = await until(
      () => sip.calls().find((c) => c.state === 'established'),
      'the call established at the door',
    );
    assert.equal(call.direction, 'incoming');
    assert.match(call.peer, /linphone@127\.0\.0\.1/);
    // linphonec has no sound card here: it sends the RFC 4733 events of the digit and no audio.
    lp.send('#');
    assert.equal((await relayOn).on, true);
    lp.send('terminate');
    await lp.waitFor(/Call \d+ with .* ended/);
    await until(() => sip.calls().length === 0, 'the call ended at the door');
    assert.ok(!lp.output().includes('488'), 'no 488 Not Acceptable Here');
  });
});
