/**
 * The cloud's firmware job in the job runner (fake clock, the job store in memory), over a
 * firmware updater with a fake `rauc`: the cancel reaches the update while it downloads (CANCELED);
 * once RAUC writes the slot the runner refuses it and says why in the job status, also after the
 * reboot while the new version is being checked; the job is SUCCEEDED once that version is marked good.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { JobRunner } from '../../agent/cloud/jobs/runner.ts';
import { JobStore } from '../../agent/cloud/jobs/store.ts';
import type { JobStatus } from '../../agent/cloud/protocol/index.ts';
import { Firmware, firmwareJobHandler, Rauc } from '../../agent/firmware/index.ts';
import { FakeClock, type HttpStreamFn, silentLogger } from '../../core/index.ts';
import { fakeHttpStream, hangingHttpStream } from '../harness/fake-http.ts';
import { FakeRaucCli } from '../harness/fake-rauc.ts';

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const BUNDLE = Buffer.alloc(100_000, 5);

let dir: string;
let clock: FakeClock;
let rauc: FakeRaucCli;
let reboots: number;
let problem: string | undefined;
const files = new Map<string, string>();
const published: { id: string; status: JobStatus }[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-fw-job-'));
  clock = new FakeClock(T0);
  rauc = new FakeRaucCli();
  reboots = 0;
  problem = undefined;
  files.clear();
  published.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A download that sends its first bytes, then waits until the request is aborted. */
const slowFetch = hangingHttpStream(BUNDLE.subarray(0, 1000), BUNDLE.length);
const fullFetch = fakeHttpStream(BUNDLE);

/** The device as one boot of the agent sees it: the updater and the job runner. */
async function boot(bootId: string, version: string, get: HttpStreamFn) {
  const fw = new Firmware({
    dir: join(dir, 'firmware'),
    clock,
    log: silentLogger(),
    rauc: new Rauc({ exec: rauc.exec }),
    version,
    busy: () => false,
    health: async () => problem,
    reboot: () => {
      reboots++;
    },
    healthDeadlineMs: 60_000,
    healthIntervalMs: 1000,
    get,
  });
  let runner: JobRunner | undefined;
  const handler = firmwareJobHandler({
    firmware: () => fw.service(),
    bootId: () => bootId,
    settle: (id, o) => runner!.settle(id, o),
    note: (id, step) => runner!.note(id, step),
  });
  runner = new JobRunner({
    store: new JobStore(join(dir, 'cloud', 'jobs.json'), {
      io: { read: async (f) => files.get(f), write: async (f, text) => void files.set(f, text) },
    }),
    handlers: { firmware: handler },
    clock,
    log: silentLogger(),
    bootId,
    publish: (id, status) => published.push({ id, status }),
  });
  await fw.start();
  await runner.start();
  return { fw, runner };
}

const last = (id: string) => published.filter((p) => p.id === id).at(-1)?.status;

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    if (await check()) return;
    await clock.advance(100);
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const job = (v = '2.0') => Buffer.from(JSON.stringify({ type: 'firmware', url: 'http://x/b.raucb', version: v }));

describe('firmware job in the job runner', () => {
  it("a cancel while downloading: CANCELED with the updater's reason, the partial download removed", async () => {
    const { fw, runner } = await boot('boot-1', '1.0', slowFetch);
    await runner.receive('j1', job(), false);
    await until(() => last('j1')?.step === 'downloading', 'downloading');
    await runner.cancel('j1', false);
    await until(() => last('j1')?.status === 'CANCELED', 'CANCELED');
    assert.equal(last('j1')?.details, 'cancelled by the cloud');
    assert.equal(fw.current()?.step, 'canceled');
    await assert.rejects(stat(join(dir, 'firmware', 'bundle.raucb')), 'the partial download is removed');
    assert.equal(rauc.primary, 'A');
    assert.equal(reboots, 0);
    runner.stop();
  });

  it('a cancel once RAUC writes the slot is refused with the reason, also after the reboot; SUCCEEDED once marked good', async () => {
    rauc.hold('install');
    const first = await boot('boot-1', '1.0', fullFetch);
    await first.runner.receive('j2', job(), false);
    await rauc.started('install');
    await first.runner.cancel('j2', false);
    assert.equal(last('j2')?.status, 'IN_PROGRESS');
    assert.match(String(last('j2')?.details), /^cancel refused: the job is past its irreversible part \(installing\)$/);
    rauc.release('install');
    await until(() => reboots === 1, 'the reboot');
    await first.fw.settled();
    first.runner.stop();

    // the next boot: slot B, the new version's checks are still failing
    rauc.reboot();
    problem = 'sip is starting';
    const second = await boot('boot-2', '2.0', fullFetch);
    assert.equal(last('j2')?.status, 'IN_PROGRESS');
    const before = published.length;
    await second.runner.cancel('j2', false);
    assert.ok(published.length > before, 'the refusal is published');
    assert.equal(last('j2')?.status, 'IN_PROGRESS');
    assert.match(String(last('j2')?.details), /cancel refused: the job is past its irreversible part/);
    problem = undefined;
    await until(() => last('j2')?.status === 'SUCCEEDED', 'SUCCEEDED');
    assert.deepEqual(last('j2')?.details, { version: '2.0', slot: 'B' });
    await second.fw.settled();
    second.runner.stop();
  });
});
