/**
 * Short DTMF (issue 10, finding 6). A short key press is an RFC 4733 digit of a few event packets;
 * a caller without a microphone (linphonec without a sound card, a SIP app muted) sends no audio
 * after it. baresip 1.0.0's jitter buffer let a packet out only when another came in and at least
 * 5 were held, so such a digit never reached the DTMF decoder. The engine's config turns it off.
 *   - engine: digits of 1, 3 and 4 event packets from a UDP sender, with no RTP before or after;
 *   - agent: sipp plays the `dtmf_2833_pound.pcap` that sip-tester ships, and a 3-packet `#` from the
 *     UDP sender: the door code opens relay A (caller on the allow-list).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RelayChanged } from '../../hal/types.ts';
import { startAgent, type TestAgent, until } from '../harness/agent.ts';
import { startEngine, type TestEngine } from '../harness/engine.ts';
import { stopAll } from '../harness/processes.ts';
import { runSipp, uacScenario } from '../harness/sipp.ts';
import { UdpCaller } from '../harness/udp-caller.ts';

const PCAPS = '/usr/share/sip-tester';

describe('short DTMF reaches the engine', () => {
  let e: TestEngine;
  let caller: UdpCaller;

  before(async () => {
    e = await startEngine();
    e.engine.events.on('call.incoming', ({ call }) => void e.engine.answer(call.id).catch(() => {}));
    caller = await UdpCaller.start();
  });

  after(async () => {
    caller?.close();
    await e?.stop();
    await stopAll();
  });

  // [packets, of which end packets (the retransmitted last one)]
  for (const [packets, endCopies] of [
    [2, 1],
    [3, 1],
    [4, 3],
  ] as const) {
    it(`a digit of ${packets} RFC 4733 packets (${endCopies} with the E bit), no audio before or after, gives a DTMF event`, async () => {
      const call = caller.invite(`sip:portier@127.0.0.1:${e.settings.sipPort}`);
      assert.equal((await call.final).code, 200);
      const from = e.events.length;
      try {
        call.ack();
        await call.sendDtmf('5', { packets, endCopies });
        const got = await e.waitFor('call.dtmf', () => true, 5000, from);
        assert.equal(got.digit, '5');
        // A second digit on the same call, still without audio.
        const from2 = e.events.length;
        await call.sendDtmf('#', { packets, endCopies });
        assert.equal((await e.waitFor('call.dtmf', () => true, 5000, from2)).digit, '#');
      } finally {
        await call.bye();
        await e.waitFor('call.closed', () => true, 5000, from);
      }
    });
  }

  it('a 3-packet digit after audio, with nothing after it (the caller muted), gives a DTMF event', async () => {
    const call = caller.invite(`sip:portier@127.0.0.1:${e.settings.sipPort}`);
    assert.equal((await call.final).code, 200);
    const from = e.events.length;
    try {
      call.ack();
      await call.sendAudio(10);
      await call.sendDtmf('7', { packets: 3, endCopies: 1 });
      assert.equal((await e.waitFor('call.dtmf', () => true, 5000, from)).digit, '7');
    } finally {
      await call.bye();
      await e.waitFor('call.closed', () => true, 5000, from);
    }
  });
});

describe('short DTMF opens the door', () => {
  let door: TestAgent;
  let doorUri: string;

  before(async () => {
    door = await startAgent({
      dev: false,
      config: {
        callFeature: {
          callers: { allowList: ['127.0.0.1'] },
          autoAnswerIp: { enabled: true, delay: 0 },
        },
        relays: { 0: { dtmfCode: '#', holdTime: 1 } },
        intercom: { hangUpAfterOpen: { enabled: false } },
      },
    });
    const port = door.agent.ctx.config.get().directIp.port;
    doorUri = `sip:portier@127.0.0.1:${port}`;
  });

  after(async () => {
    await door?.stop();
    await stopAll();
  });

  const relayOn = () =>
    new Promise<RelayChanged>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error('relay A was not switched on'));
      }, 8000);
      const off = door.agent.ctx.bus.on('relay.changed', (r) => {
        if (r.index !== 0 || !r.on) return;
        clearTimeout(timer);
        off();
        resolve(r);
      });
    });
  const relayOff = () => until(() => !door.agent.ctx.services.relays!.states()[0]!.on, 'relay A off again');
  const noCall = () => until(() => door.agent.ctx.services.sip!.calls().length === 0, 'no call at the door');

  it('a 3-packet # from a caller that sends no audio opens the door', async () => {
    const caller = await UdpCaller.start();
    try {
      const call = caller.invite(doorUri);
      assert.equal((await call.final).code, 200, 'auto-answered');
      try {
        call.ack();
        const on = relayOn();
        await call.sendDtmf('#', { packets: 3, endCopies: 1 });
        assert.equal((await on).on, true);
      } finally {
        await call.bye();
      }
      await relayOff();
      await noCall();
    } finally {
      caller.close();
    }
  });

  it('sipp playing sip-tester’s dtmf_2833_pound.pcap opens the door', async () => {
    const on = relayOn();
    const sipp = runSipp({
      name: 'dtmf-pound',
      target: doorUri.replace(/^sip:portier@/, ''),
      service: 'portier',
      scenario: uacScenario({ playPcap: `${PCAPS}/dtmf_2833_pound.pcap`, holdMs: 1500 }),
    });
    assert.equal((await on).on, true);
    const r = await sipp;
    assert.deepEqual([r.finals, r.failed], [{ 200: 1 }, 0], `sipp failed:\n${r.output.slice(-2000)}`);
    await relayOff();
    await noCall();
  });
});
