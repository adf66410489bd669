/**
 * The SIP engine's recovery from a lost SIP trace, on a fake clock: a restart in order as soon as no
 * call is in progress (at once when idle, when the last call ends otherwise), paced so that a sender
 * who can lose the trace at will cannot make the door restart its SIP engine at will (restart-pacer.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, FakeClock } from '../../core/index.ts';
import { DEFAULT_RESTART_PACING, RestartPacer } from '../../sip/baresip/restart-pacer.ts';
import { TraceRecovery } from '../../sip/baresip/trace-recovery.ts';

const MIN = 60_000;

describe('restart pacing', () => {
  it('the first restart at once, then 1 min, 2, 4 ... up to 30 min between restarts; back to at once after a quiet hour', () => {
    const p = new RestartPacer();
    assert.deepEqual(p.pacing, { minGapMs: MIN, maxGapMs: 30 * MIN, quietMs: 60 * MIN });
    let now = 1000.25; // monotonic time has fractions
    assert.equal(p.wait(now), 0, 'never restarted: at once');
    assert.equal(p.gapMs, 0);
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) {
      p.restarted(now);
      assert.equal(p.wait(now), p.gapMs);
      gaps.push(p.gapMs);
      now += p.wait(now); // the next loss comes at once: the restart waits its turn
    }
    assert.deepEqual(
      gaps.map((g) => g / MIN),
      [1, 2, 4, 8, 16, 30, 30, 30],
    );
    assert.equal(p.wait(now + 10 * MIN), 0, 'the gap is over');
    // a restart 10 min after the last one (gap over, not quiet): the next gap keeps doubling from the max
    p.restarted(now + 10 * MIN);
    assert.equal(p.wait(now + 10 * MIN), 30 * MIN);
    // an hour without a restart: the pacing starts again from nothing
    now += 10 * MIN + 60 * MIN;
    assert.equal(p.wait(now), 0);
    p.restarted(now);
    assert.equal(p.wait(now), MIN, 'the next gap is the min again');
  });

  it('a loss in the middle of a gap waits only what is left of it', () => {
    const p = new RestartPacer({ minGapMs: 1000, maxGapMs: 8000, quietMs: 20_000 });
    p.restarted(0);
    assert.equal(p.wait(300), 700);
    assert.equal(p.wait(1000), 0);
    p.restarted(1000);
    assert.equal(p.wait(1000), 2000, 'doubled');
  });

  it('refuses pacing that makes no sense, naming the field', () => {
    assert.throws(() => new RestartPacer({ ...DEFAULT_RESTART_PACING, minGapMs: 0 }), /minGapMs/);
    assert.throws(() => new RestartPacer({ ...DEFAULT_RESTART_PACING, maxGapMs: 1000 }), /maxGapMs/);
    assert.throws(() => new RestartPacer({ ...DEFAULT_RESTART_PACING, quietMs: MIN }), /quietMs/);
  });
});

type Line = { level: number; msg: string; [k: string]: unknown };

/** A TraceRecovery on a fake clock, with a fake engine: its calls and its restarts. */
function rig(pacing = DEFAULT_RESTART_PACING) {
  const clock = new FakeClock();
  const logs: Line[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (l: string) => logs.push(JSON.parse(l)) } });
  const state = { calls: 0, running: true, restarts: [] as number[], up: true };
  const recovery = new TraceRecovery({
    clock,
    log,
    busy: () => !state.running || state.calls > 0,
    restart: async () => {
      state.restarts.push(clock.monotonic());
      return state.up;
    },
    pacing,
  });
  return { clock, logs, state, recovery };
}

describe('recovery from a lost SIP trace', () => {
  it('idle: restarts at once, logged at warn when planned and when done', async () => {
    const { clock, logs, state, recovery } = rig();
    recovery.lost('a trace mark inside a SIP message');
    assert.equal(recovery.pending, true);
    const planned = logs.find((l) => /SIP trace out of step/.test(l.msg));
    assert.ok(planned);
    assert.equal(planned.level, 40);
    assert.equal(planned.restartInMs, 0);
    assert.equal(planned.callsInProgress, false);
    assert.equal(planned.why, 'a trace mark inside a SIP message');
    assert.match(planned.msg, /restarting it now/);
    assert.deepEqual(state.restarts, [], 'not from inside the trace reader: on the next tick');
    await clock.advance(0);
    assert.deepEqual(state.restarts, [0]);
    assert.equal(recovery.pending, false);
    const done = logs.find((l) => /SIP engine restarted after its SIP trace was lost/.test(l.msg));
    assert.ok(done);
    assert.equal(done.level, 40);
    assert.equal(done.gapMs, MIN, 'a next restart comes no sooner than 1 min after');
  });

  it('a loss while a call is in progress: no restart until the last call ends', async () => {
    const { clock, logs, state, recovery } = rig();
    state.calls = 2;
    recovery.lost('an escape code in SIP headers');
    const planned = logs.find((l) => /SIP trace out of step/.test(l.msg));
    assert.equal(planned?.callsInProgress, true);
    assert.match(planned!.msg, /once no call is in progress/);
    await clock.advance(10 * MIN);
    assert.deepEqual(state.restarts, [], 'calls in progress are never cut');
    assert.equal(logs.filter((l) => /waits for the calls in progress to end/.test(l.msg)).length, 1, 'said once');
    state.calls = 1;
    recovery.check(); // one call ended, one is left
    await clock.advance(MIN);
    assert.deepEqual(state.restarts, []);
    state.calls = 0;
    recovery.check(); // the last one ended
    assert.deepEqual(state.restarts, [], 'after the call end is reported to everyone');
    await clock.advance(0);
    assert.deepEqual(state.restarts, [11 * MIN]);
    recovery.check();
    await clock.advance(MIN);
    assert.equal(state.restarts.length, 1, 'once');
  });

  it('two losses in a row: the second restart waits 1 min after the first, a third 2 min after the second', async () => {
    const { clock, logs, state, recovery } = rig();
    recovery.lost('first');
    await clock.advance(0);
    assert.deepEqual(state.restarts, [0]);
    await clock.advance(5000);
    recovery.lost('second'); // 5 s after the restart
    const second = logs.filter((l) => /SIP trace out of step/.test(l.msg))[1];
    assert.equal(second?.restartInMs, MIN - 5000);
    assert.match(second!.msg, /restart planned in 55 s, restarts are paced/);
    await clock.advance(MIN - 5000 - 1);
    assert.deepEqual(state.restarts, [0], 'not before its turn');
    await clock.advance(1);
    assert.deepEqual(state.restarts, [0, MIN]);
    recovery.lost('third'); // at once
    await clock.advance(2 * MIN - 1);
    assert.deepEqual(state.restarts, [0, MIN]);
    await clock.advance(1);
    assert.deepEqual(state.restarts, [0, MIN, 3 * MIN]);
    // a quiet hour: at once again
    await clock.advance(60 * MIN);
    recovery.lost('later');
    await clock.advance(0);
    assert.deepEqual(state.restarts, [0, MIN, 3 * MIN, 63 * MIN]);
  });

  it('a paced restart still waits for the calls: the turn comes during a call, the restart when it ends', async () => {
    const { clock, state, recovery } = rig();
    recovery.lost('first');
    await clock.advance(0);
    recovery.lost('second');
    state.calls = 1;
    await clock.advance(5 * MIN);
    assert.deepEqual(state.restarts, [0]);
    state.calls = 0;
    recovery.check();
    await clock.advance(0);
    assert.deepEqual(state.restarts, [0, 5 * MIN]);
  });

  it('a call ending before the turn does not bring the restart forward', async () => {
    const { clock, state, recovery } = rig();
    recovery.lost('first');
    await clock.advance(0);
    state.calls = 1;
    recovery.lost('second');
    await clock.advance(1000);
    state.calls = 0;
    recovery.check();
    await clock.advance(MIN - 1001);
    assert.deepEqual(state.restarts, [0]);
    await clock.advance(1);
    assert.deepEqual(state.restarts, [0, MIN]);
  });

  it('more losses before the restart: one restart, planned once', async () => {
    const { clock, logs, state, recovery } = rig();
    state.calls = 1;
    recovery.lost('one');
    recovery.lost('two');
    assert.equal(logs.filter((l) => /SIP trace out of step/.test(l.msg)).length, 1);
    state.calls = 0;
    recovery.check();
    await clock.advance(0);
    assert.deepEqual(state.restarts, [0]);
  });

  it('baresip restarted for another reason (a new trace) or the engine stopping: nothing owed', async () => {
    const { clock, state, recovery } = rig();
    state.running = false; // a crash restart in progress
    recovery.lost('lost');
    await clock.advance(0);
    recovery.cancel(); // its new launch has a new trace
    state.running = true;
    recovery.check();
    await clock.advance(10 * MIN);
    assert.deepEqual(state.restarts, []);
    assert.equal(recovery.pending, false);
    assert.equal(clock.pending, 0, 'no timer left');
  });

  it('a restart that did not bring baresip up is not logged as done', async () => {
    const { clock, logs, state, recovery } = rig();
    state.up = false;
    recovery.lost('lost');
    await clock.advance(0);
    assert.deepEqual(state.restarts, [0]);
    assert.equal(logs.filter((l) => /restarted after/.test(l.msg)).length, 0);
  });
});
