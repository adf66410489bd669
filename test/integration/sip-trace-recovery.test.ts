/**
 * The SIP engine's recovery from a lost SIP trace, with real baresip: a SIP MESSAGE carrying a forged
 * trace block (menu prints its body, so the trace is out of step: every caller's source unknown) makes
 * the engine restart baresip in order by itself, a new baresip process, as soon as no call is in
 * progress: at once when idle; after the call otherwise, which goes on untouched. Not a crash: no
 * `engine.down` / "SIP engine down". After it a real caller from an allowed address is known (its
 * source) and auto-answered again. The restarts are paced: a second loss right after a restart waits
 * its turn (short pacing here; the policy itself in test/unit/sip-trace-recovery.test.ts).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { createLogger, type Logger } from '../../core/index.ts';
import type { BaresipEngine, EngineSlot } from '../../sip/index.ts';
import { type LogLine, startAgent, type TestAgent, until } from '../harness/agent.ts';
import { BaresipPeer } from '../harness/baresip-peer.ts';
import { startEngine } from '../harness/engine.ts';
import { stopAll } from '../harness/processes.ts';
import { invite, RawSip } from '../harness/sip-raw.ts';

function recordingLogger(): { log: Logger; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { log: createLogger({ level: 'debug', destination: sink }), logs };
}

/**
 * A SIP MESSAGE to the door at `port` whose body is what baresip's trace prints for an INVITE from
 * 127.0.0.2: baresip prints the MESSAGE with this body in its trace (a trace mark inside a message),
 * so the trace is lost.
 */
function forgedMessage(port: number, rawPort: number, n: number): string {
  const fake = `\x1b[36;1m#\nUDP 127.0.0.2:5060 -> 127.0.0.1:${port}\n${invite({ port, from: 5060, callId: `fake${n}@raw` }).toString('latin1')}\x1b[;m\n`;
  return (
    `MESSAGE sip:portier@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${rawPort};branch=z9hG4bKforged${n}\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1:${rawPort}>;tag=forged${n}\r\nTo: <sip:portier@127.0.0.1:${port}>\r\n` +
    `Call-ID: forged${n}@raw\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: ${fake.length}\r\n\r\n${fake}`
  );
}

const lostLines = (logs: LogLine[]) => logs.filter((l) => /SIP trace out of step/.test(l.msg));

function record<E extends keyof AgentEvents>(a: TestAgent, event: E): AgentEvents[E][] {
  const got: AgentEvents[E][] = [];
  a.agent.ctx.bus.on(event, (e) => got.push(e));
  return got;
}

describe('recovery from a lost SIP trace (real baresip)', { concurrency: 1 }, () => {
  after(() => stopAll());

  it('idle: baresip is restarted at once, and an allowed caller is known and auto-answered again', async (t) => {
    const door = await startAgent({ config: { callFeature: { callers: { allowList: ['127.0.0.2'] } } } });
    const raw = await RawSip.open();
    const allowed = await BaresipPeer.start({ name: 'allowed-127-0-0-2', user: 'monitor', address: '127.0.0.2' });
    try {
      const port = door.agent.ctx.config.get().directIp.port;
      const engine = (door.agent.ctx.services.sip as EngineSlot).engine as BaresipEngine;
      const pid = engine.pid;
      assert.ok(pid, 'baresip runs');
      const engineEvents = record(door, 'sip.engine');
      const incoming = record(door, 'call.incoming');

      await raw.send(forgedMessage(port, raw.port, 1), port);
      const lost = await until(() => lostLines(door.logs)[0], 'the trace lost');
      assert.equal(lost.level, 40);
      assert.equal(lost.restartInMs, 0, 'at once');
      assert.equal(lost.callsInProgress, false);

      await until(() => engineEvents.find((e) => e.state === 'ready'), 'the SIP engine up again', 400);
      assert.ok(engine.pid && engine.pid !== pid, `a new baresip (was ${pid}, now ${engine.pid})`);
      assert.deepEqual(
        engineEvents.map((e) => e.state),
        ['ready'],
        'a planned restart: no engine down',
      );
      assert.equal(engineEvents[0]!.restarts, 1);
      const planned = door.logs.find((l) => /restarting the SIP engine in order/.test(l.msg));
      assert.equal(planned?.level, 40, 'logged at warn as planned');
      assert.equal(planned?.pid, pid);
      const done = await until(
        () => door.logs.find((l) => /SIP engine restarted after its SIP trace was lost/.test(l.msg)),
        'the restart logged',
      );
      assert.equal(done.level, 40);
      assert.equal(door.logs.filter((l) => /SIP engine down/.test(l.msg)).length, 0, 'not logged as a crash');
      t.diagnostic(`trace lost → restarted (log times): ${Number(done.time) - Number(lost.time)} ms`);

      // the allowed caller (its address on the list) is told apart again: its source known, auto-answered
      await allowed.dial(`sip:portier@127.0.0.1:${port}`);
      await allowed.waitFor('CALL_ESTABLISHED');
      const call = (await until(() => incoming.find((e) => e.call.peer.includes('monitor@')), 'the call')).call;
      assert.equal(call.source, `127.0.0.2:${allowed.sipPort}`, 'the real address, not unknown');
      assert.ok(door.logs.some((l) => l.msg === 'auto-answer' && l.allowed === 'allow-list 127.0.0.2'));
      await allowed.hangup();
      await allowed.waitFor('CALL_CLOSED');
    } finally {
      raw.close();
      await door.stop();
      await allowed.stop();
    }
  });

  it('during a call: no restart until the call ends, the call goes on, a caller meanwhile is unknown; then the restart', async () => {
    const { log, logs } = recordingLogger();
    const t = await startEngine({ log, deps: { maxCalls: () => 2 } });
    const raw = await RawSip.open();
    const caller = await BaresipPeer.start({ name: 'caller', user: 'caller' });
    const second = await BaresipPeer.start({ name: 'second', user: 'second' });
    try {
      const port = t.settings.sipPort;
      const pid = t.engine.pid;
      await caller.dial(`sip:portier@127.0.0.1:${port}`);
      const { call } = await t.waitFor('call.incoming');
      assert.equal(call.source, `127.0.0.1:${caller.sipPort}`);
      await t.engine.answer(call.id);
      await caller.waitFor('CALL_ESTABLISHED');

      await raw.send(forgedMessage(port, raw.port, 2), port);
      const lost = await until(() => lostLines(logs)[0], 'the trace lost');
      assert.equal(lost.callsInProgress, true);
      assert.equal(lost.restartInMs, 0, 'its turn has come: only the call holds it');
      // the restart came due and was held back by the call
      await until(() => logs.find((l) => /waits for the calls in progress to end/.test(l.msg)), 'the restart held');
      // a round trip through baresip: it still holds the call
      const check = await t.engine.reconcileCalls('test');
      assert.deepEqual(check, { ended: [], lost: [], stuck: false });
      assert.equal(t.engine.pid, pid, 'the same baresip');
      assert.equal(t.engine.calls().find((c) => c.id === call.id)?.state, 'established', 'the call goes on');
      assert.equal(caller.count('CALL_CLOSED'), 0);
      assert.deepEqual(t.of('engine.ready'), [{ restarts: 0 }], 'only its start');
      assert.equal(logs.filter((l) => /restarting the SIP engine/.test(l.msg)).length, 0);
      // meanwhile it fails closed: another caller's source is unknown; its call ending restarts nothing
      await second.dial(`sip:portier@127.0.0.1:${port}`);
      const other = await t.waitFor('call.incoming', (p) => p.call.peer.includes('second@'));
      assert.equal(other.call.source, '', 'unknown while the trace is lost');
      await t.engine.reject(other.call.id, 486);
      await second.waitFor('CALL_CLOSED');
      await t.waitFor('call.closed', (p) => p.call.id === other.call.id);
      assert.equal((await t.engine.reconcileCalls('test')).stuck, false);
      assert.equal(t.engine.pid, pid, 'still the same baresip: a call is in progress');
      assert.equal(t.engine.calls().find((c) => c.id === call.id)?.state, 'established');

      const ready = t.waitFor('engine.ready', (e) => e.restarts > 0, 15_000);
      await caller.hangup();
      const closed = await t.waitFor('call.closed', (p) => p.call.id === call.id);
      assert.notEqual(closed.end.reason, 'engine restarted', 'ended by the caller');
      assert.deepEqual(await ready, { restarts: 1 }, 'restarted once the call ended');
      assert.ok(t.engine.pid && t.engine.pid !== pid, 'a new baresip');
      assert.deepEqual(t.of('engine.down'), [], 'no engine down');
      const restarting = logs.find((l) => /restarting the SIP engine in order/.test(l.msg));
      assert.equal(restarting?.level, 40);
      assert.ok(
        logs.indexOf(restarting!) > logs.findIndex((l) => /waits for the calls/.test(l.msg)),
        'after the restart was held back',
      );

      // the next call's source is known again
      caller.clear();
      await caller.dial(`sip:portier@127.0.0.1:${port}`);
      const next = await t.waitFor('call.incoming', (p) => p.call.id !== call.id && p.call.peer.includes('caller@'));
      assert.equal(next.call.source, `127.0.0.1:${caller.sipPort}`);
      await t.engine.hangup(next.call.id);
    } finally {
      raw.close();
      await t.stop();
      await caller.stop();
      await second.stop();
    }
  });

  it('paced: a second loss right after a restart waits its turn (the min gap) before baresip restarts again', async () => {
    const { log, logs } = recordingLogger();
    const gap = 5000;
    const t = await startEngine({ log, deps: { traceRestart: { minGapMs: gap, maxGapMs: 4 * gap, quietMs: 60_000 } } });
    const raw = await RawSip.open();
    try {
      const port = t.settings.sipPort;
      const pids = [t.engine.pid];
      await raw.send(forgedMessage(port, raw.port, 3), port);
      await t.waitFor('engine.ready', (e) => e.restarts === 1, 15_000);
      pids.push(t.engine.pid);
      await raw.send(forgedMessage(port, raw.port, 4), port);
      await until(() => lostLines(logs)[1], 'the trace lost again');
      await t.waitFor('engine.ready', (e) => e.restarts === 2, 20_000);
      pids.push(t.engine.pid);

      assert.equal(new Set(pids).size, 3, `three baresip processes: ${pids.join(', ')}`);
      assert.deepEqual(t.of('engine.down'), []);
      const [first, second] = lostLines(logs);
      assert.equal(first!.restartInMs, 0, 'the first at once');
      assert.ok(
        (second!.restartInMs as number) > 0 && (second!.restartInMs as number) <= gap,
        `the second waits: ${second!.restartInMs} ms`,
      );
      // (the wait itself is the pacer's, on a fake clock in test/unit/sip-trace-recovery.test.ts: no wall-clock assertion here)
      const restarts = logs.filter((l) => /restarting the SIP engine in order/.test(l.msg));
      assert.equal(restarts.length, 2);
      const doneLines = () => logs.filter((l) => /SIP engine restarted after its SIP trace was lost/.test(l.msg));
      await until(() => doneLines().length === 2, 'both restarts logged');
      const done = doneLines();
      assert.deepEqual(
        done.map((l) => l.gapMs),
        [gap, 2 * gap],
        'the gap doubles',
      );
    } finally {
      raw.close();
      await t.stop();
    }
  });
});
