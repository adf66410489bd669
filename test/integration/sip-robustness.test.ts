/**
 * The door under real SIP traffic (issue 10, findings 1-3), the whole agent (sim HAL, real baresip)
 * on 127.0.0.1 against real callers: a raw UDP sender (node dgram), sipp (`sip-tester`) and baresip.
 * - One INVITE whose Call-ID begins with NUL bytes: the door ends that call and answers the next.
 * - Three calls ringing: answering the first, the second or the third through the API answers that
 *   one (its caller gets 200 OK), the others are refused busy.
 * - Busy: during an established call a flood of 20 calls/s for 5 s gets 486 for every caller, the
 *   call goes on (DTMF opens the door), and a call after it is answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import type { BaresipEngine } from '../../sip/index.ts';
import { startAgent, type TestAgent, until } from '../harness/agent.ts';
import { BaresipPeer } from '../harness/baresip-peer.ts';
import { stopAll } from '../harness/processes.ts';
import { invite, RawSip } from '../harness/sip-raw.ts';
import { runSipp, type SippResult, uacScenario } from '../harness/sipp.ts';
import { Client } from './web-support.ts';

const NO_AUTO_ANSWER = { autoAnswerSip: { enabled: false }, autoAnswerIp: { enabled: false } };
/** Callers on 127.0.0.1 are allowed: their calls are auto-answered and their DTMF opens the door. */
const LOCAL_ALLOWED = { callers: { allowList: ['127.0.0.1'] } };

function record<E extends keyof AgentEvents>(a: TestAgent, event: E): AgentEvents[E][] {
  const got: AgentEvents[E][] = [];
  a.agent.ctx.bus.on(event, (e) => got.push(e));
  return got;
}

const sipOf = (a: TestAgent) => a.agent.ctx.services.sip!;
const engineOf = (a: TestAgent) => (a.agent.ctx.services.sip as unknown as { engine: BaresipEngine }).engine;
const sipPortOf = (a: TestAgent) => a.agent.ctx.config.get().directIp.port;

/** One sipp call to the door that takes 200 or 486, holding an answered call `holdMs`. */
function sippCall(a: TestAgent, holdMs = 300, name = 'sipp'): Promise<SippResult> {
  return runSipp({
    name,
    target: `127.0.0.1:${sipPortOf(a)}`,
    service: 'portier',
    scenario: uacScenario({ holdMs }),
    calls: 1,
    timeoutMs: 20_000,
  });
}

async function hangUpAll(a: TestAgent) {
  const sip = sipOf(a);
  for (const c of sip.calls()) await sip.hangup(c.id).catch(() => {});
  await until(() => sip.calls().length === 0, 'all calls ended');
}

describe('the door under real SIP traffic', () => {
  after(() => stopAll());

  describe('auto-answer on', () => {
    let door: TestAgent;
    before(async () => {
      door = await startAgent({
        config: { callFeature: LOCAL_ALLOWED, relays: { 0: { holdTime: 1, dtmfCode: '#' } } },
      });
      await until(() => engineOf(door).running, 'the SIP engine running');
    });
    after(() => door?.stop());

    it('an INVITE whose Call-ID begins with NUL bytes is ended, and the next call is answered', async () => {
      const pid = engineOf(door).pid;
      const raw = await RawSip.open();
      try {
        const callId = Buffer.concat([Buffer.from([0, 0, 0]), Buffer.from('ghost@evil')]);
        await raw.send(invite({ port: sipPortOf(door), from: raw.port, callId }), sipPortOf(door));
        // baresip rings (180) and names the call "" in its event; the engine ends it by its line.
        await until(() => raw.statuses().some((s) => /^SIP\/2\.0 486/.test(s)), 'the ghost call refused', 400);
        assert.ok(
          raw.statuses().some((s) => s.startsWith('SIP/2.0 180')),
          'baresip had taken the call',
        );
        assert.ok(
          door.logs.some((l) => l.msg === 'baresip holds a call the engine does not know: ending it'),
          'the engine says what it ended',
        );
        const check = await engineOf(door).reconcileCalls('test');
        assert.deepEqual(check.ended, [], 'nothing left in baresip that the engine does not know');
      } finally {
        raw.close();
      }
      const r = await sippCall(door);
      assert.deepEqual(r.finals, { 200: 1 }, `the next caller gets 200 OK; got ${JSON.stringify(r.responses)}`);
      assert.equal(r.successful, 1);
      assert.equal(engineOf(door).pid, pid, 'the same baresip');
    });
  });

  describe('busy (a fresh door, auto-answer on)', () => {
    let door: TestAgent;
    before(async () => {
      door = await startAgent({
        config: { callFeature: LOCAL_ALLOWED, relays: { 0: { holdTime: 1, dtmfCode: '#' } } },
      });
      await until(() => engineOf(door).running, 'the SIP engine running');
    });
    after(() => door?.stop());

    it('busy: during a call, a flood of 20 calls/s for 5 s gets 486 each; the call goes on; the next call is answered', async (t) => {
      const resident = await BaresipPeer.start({ name: 'resident' });
      try {
        const incoming = record(door, 'call.incoming');
        const relay = record(door, 'relay.changed');
        const media = record(door, 'call.media');
        await resident.dial(`sip:portier@127.0.0.1:${sipPortOf(door)}`);
        await resident.waitFor('CALL_ESTABLISHED');
        await resident.waitFor('CALL_RTPESTAB');
        await until(() => media.length > 0, 'audio up at the door');
        const call = sipOf(door).calls()[0]!;
        assert.equal(call.state, 'established');
        const pid = engineOf(door).pid;

        const flood = await runSipp({
          name: 'flood',
          target: `127.0.0.1:${sipPortOf(door)}`,
          service: 'portier',
          scenario: uacScenario(),
          calls: 100,
          rate: 20,
          timeoutMs: 20_000,
        });
        assert.deepEqual(
          flood.finals,
          { 486: 100 },
          `every flood caller refused busy; got ${JSON.stringify(flood.finals)}`,
        );
        assert.equal(flood.successful + flood.failed, 100);
        // baresip 1.0.0 refuses a ringing call only as "486 Rejected" (or "486 Max Calls" at its own limit)
        const phrases: Record<string, number> = {};
        const seen = new Set<string>();
        for (const x of flood.responses)
          if (x.code === 486 && !seen.has(x.callId)) {
            seen.add(x.callId);
            phrases[x.reason] = (phrases[x.reason] ?? 0) + 1;
          }
        t.diagnostic(`flood: 486 phrases ${JSON.stringify(phrases)}`);
        assert.deepEqual(
          Object.keys(phrases).filter((p) => p !== 'Rejected' && p !== 'Max Calls'),
          [],
        );
        assert.equal(incoming.length, 1, 'the flood never reached the call features (only the resident rang)');

        // The call in progress was not disturbed: still the one call, established, and DTMF opens the door.
        assert.deepEqual(
          sipOf(door)
            .calls()
            .map((c) => [c.id, c.state]),
          [[call.id, 'established']],
        );
        assert.equal(resident.count('CALL_CLOSED'), 0, 'the resident was never cut off');
        await resident.sendDtmf('#');
        await until(() => relay.some((r) => r.index === 0 && r.on), 'relay A energized by the resident’s DTMF');
        assert.equal(engineOf(door).pid, pid, 'the same baresip');

        await resident.hangup();
        await until(() => sipOf(door).calls().length === 0, 'the call ended');
      } finally {
        await resident.stop();
      }
      const next = await sippCall(door);
      assert.deepEqual(next.finals, { 200: 1 }, 'a call after the flood is answered');
    });

    it('intercom.maxCalls = 2 (no restart): a second conversation is taken, a third caller gets 486', async () => {
      const pid = engineOf(door).pid;
      await door.agent.ctx.config.apply({ intercom: { maxCalls: 2 } }, 'test');
      const peers = await Promise.all(['first', 'second'].map((name) => BaresipPeer.start({ name })));
      try {
        for (const [i, peer] of peers.entries()) {
          await peer.dial(`sip:portier@127.0.0.1:${sipPortOf(door)}`);
          await peer.waitFor('CALL_ESTABLISHED');
          await until(
            () =>
              sipOf(door)
                .calls()
                .filter((c) => c.state === 'established').length ===
              i + 1,
            'answered',
          );
        }
        const third = await sippCall(door);
        assert.deepEqual(third.finals, { 486: 1 });
        assert.equal(engineOf(door).pid, pid, 'the setting applied without restarting baresip');
        // baresip 1.0.0 holds the first call when it answers the second: both stay up
        assert.equal(peers[0]!.count('CALL_CLOSED') + peers[1]!.count('CALL_CLOSED'), 0);
      } finally {
        await Promise.all(peers.map((p) => p.stop()));
        await door.agent.ctx.config.apply({ intercom: { maxCalls: 1 } }, 'test');
      }
      await until(() => sipOf(door).calls().length === 0, 'the calls ended');
    });
  });

  describe('auto-answer off: answering a given call of three ringing', () => {
    let door: TestAgent;
    const api = { client: undefined as unknown as Client };
    before(async () => {
      door = await startAgent({ config: { callFeature: NO_AUTO_ANSWER } });
      await until(() => engineOf(door).running, 'the SIP engine running');
      api.client = new Client(door.base);
      assert.equal((await api.client.setup(door)).status, 200);
    });
    after(() => door?.stop());

    for (const pick of [0, 1, 2]) {
      it(`answers the ${['first', 'second', 'third'][pick]} of three ringing calls: that caller gets 200 OK`, async () => {
        const callers: Promise<SippResult>[] = [];
        for (let i = 0; i < 3; i++) {
          callers.push(sippCall(door, 300, `caller${i + 1}`));
          await until(() => sipOf(door).calls().length === i + 1, `call ${i + 1} ringing at the door`, 400);
        }
        const ringing = sipOf(door).calls();
        assert.deepEqual(
          ringing.map((c) => c.state),
          ['incoming', 'incoming', 'incoming'],
        );
        const chosen = ringing[pick]!;
        const res = await api.client.post(`/api/v1/calls/${chosen.id}/answer`);
        assert.equal(res.status, 200, res.text);
        const results = await Promise.all(callers);
        results.forEach((r, i) => {
          assert.deepEqual(
            r.finals,
            i === pick ? { 200: 1 } : { 486: 1 },
            `caller ${i + 1}: ${JSON.stringify(r.responses.map((x) => `${x.code} ${x.reason}`))}`,
          );
        });
        await hangUpAll(door);
      });
    }
  });
});
