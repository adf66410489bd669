/** The job runner with a fake clock and a temp data dir: persistence, once-only, notBefore, expiry, cancel. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JobHandlers } from '../../agent/cloud/jobs/handler.ts';
import { rebootHandler } from '../../agent/cloud/jobs/reboot.ts';
import { JobRunner } from '../../agent/cloud/jobs/runner.ts';
import { JobStore } from '../../agent/cloud/jobs/store.ts';
import type { JobStatus } from '../../agent/cloud/protocol/index.ts';
import { FakeClock, silentLogger } from '../../core/index.ts';

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), 'reached in time');
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-jobs-'));
  files.clear();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The job store's file in memory, kept across "restarts" of the runner. */
const files = new Map<string, string>();
const memoryIo = {
  read: async (f: string) => files.get(f),
  write: async (f: string, text: string) => void files.set(f, text),
};

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

function rig(opts: { clock?: FakeClock; handlers?: JobHandlers; bootId?: string; disk?: boolean } = {}) {
  const clock = opts.clock ?? new FakeClock(T0);
  const published: { id: string; status: JobStatus }[] = [];
  const ran: string[] = [];
  const handlers: JobHandlers = opts.handlers ?? {
    message: {
      async run(ctx) {
        ran.push(ctx.id);
        return { status: 'SUCCEEDED' };
      },
    },
  };
  const runner = new JobRunner({
    store: new JobStore(join(dir, 'cloud', 'jobs.json'), opts.disk ? {} : { io: memoryIo }),
    handlers,
    clock,
    log: silentLogger(),
    bootId: opts.bootId ?? 'boot-1',
    publish: (id, status) => published.push({ id, status }),
  });
  const states = (id: string) => published.filter((p) => p.id === id).map((p) => p.status.status);
  return { clock, runner, published, ran, states };
}

const msg = (extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ type: 'message', title: 'Hi', text: 'Parcel at the door', ...extra }));

describe('job runner', () => {
  it('runs a job once: QUEUED, IN_PROGRESS, SUCCEEDED, persisted; the same id again is not run', async () => {
    const r = rig({ disk: true });
    await r.runner.start();
    await r.runner.receive('j1', msg(), false);
    await until(() => r.states('j1').includes('SUCCEEDED'));
    assert.deepEqual(r.ran, ['j1']);
    assert.deepEqual(r.states('j1'), ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED']);
    const disk = JSON.parse(await readFile(join(dir, 'cloud', 'jobs.json'), 'utf8'));
    assert.equal(disk.jobs[0].status, 'SUCCEEDED');
    await r.runner.receive('j1', msg(), false);
    await r.clock.advance(0);
    assert.deepEqual(r.ran, ['j1'], 'not run twice');
    // nor after a restart of the agent
    const again = rig({ clock: r.clock, disk: true });
    await again.runner.start();
    assert.deepEqual(again.states('j1'), ['SUCCEEDED'], 'a recent end state is published again at start');
    await again.runner.receive('j1', msg(), false);
    await r.clock.advance(0);
    assert.deepEqual(again.ran, []);
    assert.deepEqual(again.states('j1'), ['SUCCEEDED', 'SUCCEEDED'], 'it answers with the state it has');
  });

  it('ignores a retained job message', async () => {
    const r = rig();
    await r.runner.start();
    await r.runner.receive('j1', msg(), true);
    await r.clock.advance(0);
    assert.deepEqual(r.ran, []);
    assert.deepEqual(r.published, []);
  });

  it('rejects a malformed job with a message naming the problem', async () => {
    const r = rig();
    await r.runner.start();
    const cases: [string, string | Buffer, RegExp][] = [
      ['bad-json', '{"type": ', /payload: not JSON/],
      ['unknown', '{"type":"teleport"}', /type: must be one of autop, reboot/],
      ['missing', '{"type":"message","title":"x"}', /text: is required/],
      ['typo', '{"type":"message","title":"x","text":"y","titel":"z"}', /titel: not a field/],
      [
        'big',
        JSON.stringify({ type: 'message', title: 'x', text: 'y'.repeat(70_000) }),
        /payload: \d+ bytes, at most 65536/,
      ],
      ['ctrl', '{"type":"message","title":"x\\u0007","text":"y"}', /title: must be plain text/],
      ['nope', '{"type":"firmware","url":"http://x/fw","version":"2"}', /type: firmware jobs are not supported/],
    ];
    for (const [id, payload, re] of cases) {
      await r.runner.receive(id, Buffer.from(payload), false);
      const last = r.published.filter((p) => p.id === id).at(-1)!.status;
      assert.equal(last.status, 'REJECTED', id);
      assert.match(String(last.details), re, id);
    }
    assert.deepEqual(r.ran, []);
  });

  it('waits for notBefore, also across a restart, and runs then', async () => {
    const r = rig();
    await r.runner.start();
    await r.runner.receive('later', msg({ notBefore: new Date(T0 + 3 * 3600_000).toISOString() }), false);
    await r.clock.advance(3600_000);
    assert.deepEqual(r.ran, []);
    assert.deepEqual(r.states('later'), ['QUEUED']);
    r.runner.stop(); // the agent restarts
    const again = rig({ clock: r.clock });
    await again.runner.start();
    await r.clock.advance(2 * 3600_000 - 1000);
    assert.deepEqual(again.ran, []);
    await r.clock.advance(1000);
    assert.deepEqual(again.ran, ['later']);
    assert.equal(again.states('later').at(-1), 'SUCCEEDED');
  });

  it('a job past its expiresAt is TIMED_OUT, also one that expires while it waits', async () => {
    const r = rig();
    await r.runner.start();
    await r.runner.receive('old', msg({ expiresAt: new Date(T0 - 1000).toISOString() }), false);
    assert.deepEqual(r.states('old'), ['TIMED_OUT']);
    await r.runner.receive(
      'late',
      msg({ notBefore: new Date(T0 + 7200_000).toISOString(), expiresAt: new Date(T0 + 3600_000).toISOString() }),
      false,
    );
    await r.clock.advance(7200_000);
    assert.deepEqual(r.states('late'), ['QUEUED', 'TIMED_OUT']);
    assert.deepEqual(r.ran, []);
  });

  it('with the wall clock not set (1970), a timed job waits until the clock is set', async () => {
    const clock = new FakeClock(Date.UTC(1970, 0, 1, 0, 0, 30));
    const r = rig({ clock });
    await r.runner.start();
    await r.runner.receive('t', msg({ notBefore: '2026-11-29T13:00:00Z', expiresAt: '2026-11-30T00:00:00Z' }), false);
    await clock.advance(10 * 60_000);
    assert.deepEqual(r.states('t'), ['QUEUED'], 'not run, not expired, against 1970');
    clock.setWallTime(T0); // NTP sets the clock: 12:00, an hour before notBefore
    await clock.advance(60_000);
    assert.deepEqual(r.ran, []);
    await clock.advance(3600_000);
    assert.deepEqual(r.ran, ['t']);
  });

  it('cancels a queued job; a job found IN_PROGRESS at start FAILED (interrupted), never run again', async () => {
    const r = rig();
    await r.runner.start();
    await r.runner.receive('c', msg({ notBefore: new Date(T0 + 60_000).toISOString() }), false);
    await r.runner.cancel('c', false);
    await r.clock.advance(120_000);
    assert.deepEqual(r.states('c'), ['QUEUED', 'CANCELED']);
    assert.deepEqual(r.ran, []);
    // a handler that never ends: the agent "stops" during it
    const hang = rig({
      clock: r.clock,
      handlers: { message: { run: () => new Promise(() => {}) } },
    });
    await hang.runner.start();
    await hang.runner.receive('h', msg(), false);
    await r.clock.advance(0);
    assert.deepEqual(hang.states('h'), ['QUEUED', 'IN_PROGRESS']);
    const after = rig({ clock: r.clock });
    await after.runner.start();
    await r.clock.advance(0);
    assert.deepEqual(after.ran, []);
    assert.equal(after.states('h').at(-1), 'FAILED');
    assert.match(String(after.published.at(-1)!.status.details), /interrupted/);
  });
});

describe('jobs that go on without holding the runner (remote web)', () => {
  it('a pending job does not block the next; it ends by settle, or by a cancel the handler accepts', async () => {
    const clock = new FakeClock(T0);
    const ended: string[] = [];
    const r = rig({
      clock,
      handlers: {
        'remote-web': {
          async run(ctx) {
            await ctx.progress('open', undefined, { session: ctx.id });
            return 'pending';
          },
          cancel: (id) => {
            ended.push(id);
            return 'closed by the cloud';
          },
        },
        message: {
          async run() {
            return { status: 'SUCCEEDED' };
          },
        },
      },
    });
    await r.runner.start();
    await r.runner.receive('w1', Buffer.from('{"type":"remote-web","ttl":60}'), false);
    await r.runner.receive('m1', msg(), false);
    await clock.advance(0);
    assert.deepEqual(r.states('w1'), ['QUEUED', 'IN_PROGRESS', 'IN_PROGRESS']);
    assert.equal(r.states('m1').at(-1), 'SUCCEEDED', 'not blocked by the open session');
    await r.runner.settle('w1', { status: 'SUCCEEDED', details: 'ended at its TTL' });
    assert.equal(r.states('w1').at(-1), 'SUCCEEDED');
    await r.runner.receive('w2', Buffer.from('{"type":"remote-web"}'), false);
    await clock.advance(0);
    await r.runner.cancel('w2', false);
    assert.deepEqual(ended, ['w2']);
    const last = r.published.at(-1)!.status;
    assert.equal(last.status, 'CANCELED');
    assert.equal(last.details, 'closed by the cloud');
  });
});

describe('reboot job', () => {
  it('waits for the call to end, restarts, and SUCCEEDED comes from the agent that is back', async () => {
    const clock = new FakeClock(T0);
    let calls = 1;
    let restarts = 0;
    const handlers = (bootId: string): JobHandlers => ({
      reboot: rebootHandler({ clock, bootId, calls: () => calls, restart: () => restarts++ }),
    });
    const r = rig({ clock, handlers: handlers('boot-1'), bootId: 'boot-1' });
    await r.runner.start();
    await r.runner.receive('rb', Buffer.from('{"type":"reboot","maxWait":600}'), false);
    await clock.advance(60_000);
    assert.equal(restarts, 0, 'not during the call');
    assert.equal(r.published.at(-1)!.status.step, 'waiting for the call to end');
    await r.runner.cancel('rb', false); // still cancellable while waiting ...
    calls = 0;
    await clock.advance(1000);
    assert.equal(restarts, 0);
    assert.equal(r.states('rb').at(-1), 'CANCELED');
    calls = 1;
    await r.runner.receive('rb2', Buffer.from('{"type":"reboot","maxWait":600}'), false);
    await clock.advance(30_000);
    calls = 0;
    await clock.advance(1000);
    assert.equal(restarts, 1);
    assert.equal(r.states('rb2').at(-1), 'IN_PROGRESS', 'no success before the restart');
    await r.runner.cancel('rb2', false);
    assert.equal(r.states('rb2').at(-1), 'IN_PROGRESS', 'too late to cancel');
    r.runner.stop();
    const back = rig({ clock, handlers: handlers('boot-2'), bootId: 'boot-2' });
    await back.runner.start();
    const last = back.published.at(-1)!.status;
    assert.equal(last.status, 'SUCCEEDED');
    assert.deepEqual(last.details, { bootId: 'boot-2', previousBootId: 'boot-1' });
  });

  it('restarts anyway after maxWait', async () => {
    const clock = new FakeClock(T0);
    let restarts = 0;
    const r = rig({
      clock,
      handlers: { reboot: rebootHandler({ clock, bootId: 'b', calls: () => 1, restart: () => restarts++ }) },
    });
    await r.runner.start();
    await r.runner.receive('rb', Buffer.from('{"type":"reboot","maxWait":10}'), false);
    await clock.advance(9000);
    assert.equal(restarts, 0);
    await clock.advance(1000);
    assert.equal(restarts, 1);
    assert.match(r.published.at(-1)!.status.step!, /still in progress after maxWait/);
  });
});
