/**
 * Firmware updates (agent/firmware) against a fake `rauc` CLI and a fake download: the steps, the
 * checks that refuse a bundle, one update at a time, waiting for a call, and what the agent of the
 * next boot does (health checks, mark good, done / rolled back), with the cloud job on top.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JobOutcome } from '../../agent/cloud/jobs/handler.ts';
import type { JobRecord } from '../../agent/cloud/jobs/store.ts';
import type { FirmwareJob } from '../../agent/cloud/protocol/index.ts';
import {
  Firmware,
  FirmwareBusy,
  type FirmwareDeps,
  FirmwareNotCancelable,
  type FirmwareUpdate,
  firmwareJobHandler,
  parseStatus,
  Rauc,
} from '../../agent/firmware/index.ts';
import { createLogger, FakeClock, silentLogger } from '../../core/index.ts';
import { fakeHttpStream, hangingHttpStream } from '../harness/fake-http.ts';
import { FakeRaucCli } from '../harness/fake-rauc.ts';

const BUNDLE = Buffer.alloc(300_000, 7);
const SHA = createHash('sha256').update(BUNDLE).digest('hex');

let dir: string;
let clock: FakeClock;
let rauc: FakeRaucCli;
let reboots: number;
let problem: string | undefined;
let calls: number;

function firmware(extra: Partial<FirmwareDeps> = {}, version = '1.0'): Firmware {
  return new Firmware({
    dir,
    clock,
    log: silentLogger(),
    rauc: new Rauc({ exec: rauc.exec }),
    version,
    busy: () => calls > 0,
    health: async () => problem,
    reboot: () => {
      reboots++;
    },
    healthDeadlineMs: 10_000,
    healthIntervalMs: 1000,
    get: fakeHttpStream(BUNDLE),
    ...extra,
  });
}

/** Moves the fake clock until the update reaches `step` (file writes take real time: a real bound). */
async function until(fw: Firmware, step: string, fakeMs = 600_000): Promise<FirmwareUpdate> {
  const realEnd = Date.now() + 10_000;
  for (let waited = 0; waited <= fakeMs && Date.now() < realEnd; ) {
    const u = fw.current();
    if (u && u.step === step) return u;
    await clock.advance(100);
    waited += 100;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`step ${step} not reached: ${JSON.stringify(fw.current())}`);
}

/** Lets a Firmware finish what it is doing: fake time moves while its file writes take real time. */
async function drain(fw: Firmware): Promise<void> {
  let done = false;
  const p = fw.settled().then(() => {
    done = true;
  });
  const realEnd = Date.now() + 10_000;
  while (!done && Date.now() < realEnd) {
    await clock.advance(500);
    await new Promise((r) => setTimeout(r, 2));
  }
  await p;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-fw-unit-'));
  clock = new FakeClock();
  rauc = new FakeRaucCli();
  reboots = 0;
  problem = undefined;
  calls = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('firmware updater', () => {
  it('marks the booted slot good once the health checks pass, within the deadline', async () => {
    problem = 'sip is stopped';
    const fw = firmware();
    await fw.start();
    await clock.advance(3000);
    assert.equal(rauc.calls.filter((c) => c.startsWith('status mark')).length, 0, 'not before the checks pass');
    problem = undefined;
    await clock.advance(1000);
    await drain(fw);
    assert.ok(rauc.calls.includes('status mark-good booted'));
    assert.equal((await fw.status()).health.passed, true);
  });

  it('installs from a URL: downloading, verifying, installing, rebooting; state kept on the data disk', async () => {
    const fw = firmware();
    await fw.start();
    await drain(fw);
    const steps: string[] = [];
    fw.on((u) => {
      if (steps.at(-1) !== u.step) steps.push(u.step);
    });
    let committed = 0;
    await fw.begin({
      source: 'api',
      url: 'http://x/b.raucb',
      sha256: SHA,
      version: '2.0',
      beforeReboot: async () => {
        committed++;
      },
    });
    await until(fw, 'rebooting');
    await drain(fw);
    const u = fw.current() as FirmwareUpdate;
    assert.deepEqual(steps, ['downloading', 'verifying', 'installing', 'rebooting']);
    assert.equal(reboots, 1);
    assert.equal(committed, 1);
    assert.equal(u.targetSlot, 'B');
    assert.equal(u.fromSlot, 'A');
    assert.equal(u.bundleVersion, '2.0');
    const saved = JSON.parse(await readFile(join(dir, 'update.json'), 'utf8')) as FirmwareUpdate;
    assert.equal(saved.step, 'rebooting');
    await assert.rejects(readFile(join(dir, 'bundle.raucb')), 'the bundle is removed after the install');

    // the next boot: slot B, the new version passes its checks → marked good, done
    await drain(fw);
    rauc.reboot();
    const next = firmware({}, '2.0');
    await next.start();
    await drain(next);
    assert.equal(next.current()?.step, 'done');
    assert.equal(rauc.good.B, true);
    assert.ok(rauc.calls.at(-1)?.startsWith('status') || rauc.calls.includes('status mark-good booted'));
  });

  for (const [name, setup, reason] of [
    [
      'a bad signature',
      () => (rauc.bundle.signatureError = 'signature verification failed: Verify error: self-signed certificate'),
      /refused: .*signature verification failed/,
    ],
    [
      'a wrong compatible',
      () => (rauc.bundle.compatible = 'other-model'),
      /is for "other-model", this device is "portier-door-qemu"/,
    ],
    ['another version than asked for', () => (rauc.bundle.version = '3.0'), /is version 3.0, the update asked for 2.0/],
    [
      'an install error',
      () => (rauc.installError = 'Failed to write slot: No space left on device'),
      /No space left on device/,
    ],
  ] as const) {
    it(`refuses ${name} with the reason; nothing switched, no reboot`, async () => {
      setup();
      const fw = firmware();
      await fw.start();
      await fw.begin({ source: 'api', url: 'http://x/b.raucb', version: '2.0' });
      const u = await until(fw, 'failed');
      await drain(fw);
      assert.match(u.error ?? '', reason);
      assert.equal(rauc.primary, 'A');
      assert.equal(reboots, 0);
    });
  }

  it('refuses a SHA-256 mismatch, a truncated download and an HTTP error before RAUC sees the bundle', async () => {
    for (const [f, sha, reason] of [
      [fakeHttpStream(BUNDLE), '0'.repeat(64), /SHA-256 mismatch/],
      [
        fakeHttpStream(BUNDLE.subarray(0, 1000), { length: BUNDLE.length }),
        undefined,
        /truncated: 1000 of 300000 bytes/,
      ],
      [fakeHttpStream(BUNDLE, { status: 404 }), undefined, /HTTP 404/],
    ] as const) {
      rauc.calls.length = 0;
      const fw = firmware({ get: f });
      await fw.start();
      await fw.begin({ source: 'api', url: 'http://x/b.raucb', ...(sha ? { sha256: sha } : {}) });
      const u = await until(fw, 'failed');
      assert.match(u.error ?? '', reason);
      assert.ok(!rauc.calls.some((c) => c.startsWith('install') || c.startsWith('info')), rauc.calls.join());
    }
  });

  it('one update at a time', async () => {
    calls = 1; // holds the first one in `waiting`
    const fw = firmware({ maxCallWaitMs: 60_000 });
    await fw.start();
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    await assert.rejects(fw.begin({ source: 'ui', url: 'http://x/b.raucb' }), FirmwareBusy);
    calls = 0;
    await until(fw, 'rebooting');
    await drain(fw);
  });

  it('waits for the call in progress to end (at most maxCallWaitMs, then goes on)', async () => {
    calls = 1;
    const fw = firmware({ maxCallWaitMs: 30_000 });
    await fw.start();
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    await clock.advance(20_000);
    assert.equal(fw.current()?.step, 'waiting');
    assert.match(fw.current()?.message ?? '', /waiting for the call to end/);
    calls = 0;
    await until(fw, 'rebooting');
    await drain(fw);

    // a call that never ends: after the maximum the update goes on
    rauc = new FakeRaucCli();
    await rm(join(dir, 'update.json'));
    calls = 1;
    const fw2 = firmware({ maxCallWaitMs: 30_000 });
    await fw2.start();
    await fw2.begin({ source: 'api', url: 'http://x/b.raucb' });
    await until(fw2, 'rebooting', 120_000);
    assert.ok(clock.monotonic() >= 30_000);
    await drain(fw2);
  });

  it('installed and waiting for a call to end before the reboot: a stop of the agent does not wait for the call; it reboots', {
    timeout: 10_000,
  }, async () => {
    const fw = firmware({ maxCallWaitMs: 600_000 });
    await fw.start();
    rauc.hold('install');
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    await rauc.started('install');
    calls = 1; // a call came in while RAUC wrote the slot
    rauc.release('install');
    await until(fw, 'waiting');
    assert.equal(reboots, 0, 'no reboot during the call');
    await fw.stop(); // the agent stops (its calls end with it): not held up for the call's 10 minutes
    assert.equal(fw.current()?.step, 'rebooting');
    assert.equal(reboots, 1);
  });

  it('the new slot fails its health checks: marked bad, reboot; the old slot reports the failure', async () => {
    const fw = firmware();
    await fw.start();
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    await until(fw, 'rebooting');
    await drain(fw);
    rauc.reboot();
    assert.equal(rauc.booted, 'B');
    problem = 'sip is failed';
    const onB = firmware({}, '2.0');
    await onB.start();
    await clock.advance(11_000);
    await drain(onB);
    await drain(onB);
    assert.equal(onB.current()?.step, 'rolling-back');
    assert.equal(rauc.good.B, false, 'marked bad');
    assert.equal(reboots, 2);

    rauc.reboot();
    assert.equal(rauc.booted, 'A');
    problem = undefined;
    const onA = firmware();
    await onA.start();
    await drain(onA);
    const u = onA.current();
    assert.equal(u?.step, 'failed');
    assert.match(u?.error ?? '', /the new version failed its health checks on slot B: sip is failed/);
    assert.equal(rauc.good.A, true);
  });

  it('the new slot never came up (its boot attempts ran out): the old slot reports the rollback', async () => {
    const fw = firmware();
    await fw.start();
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    await until(fw, 'rebooting');
    await drain(fw);
    rauc.reboot('A'); // the boot stage gave up on B
    const onA = firmware();
    await onA.start();
    await drain(onA);
    assert.equal(onA.current()?.step, 'failed');
    assert.match(onA.current()?.error ?? '', /did not start on slot B: the device went back to slot A/);
    assert.equal(rauc.good.B, false, 'the other slot marked bad');
  });

  it('an update cut before its reboot (power loss while installing) is failed at the next start', async () => {
    const fw = firmware();
    await fw.start();
    rauc.installError = '';
    calls = 1;
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    await fw.stop();
    // the agent "dies" here; the next start finds `waiting`
    const next = firmware({ dir: join(dir, 'copy') });
    await mkdir(join(dir, 'copy'));
    await copyFile(join(dir, 'update.json'), join(dir, 'copy', 'update.json'));
    await next.start();
    assert.equal(next.current()?.step, 'failed');
    assert.match(next.current()?.error ?? '', /interrupted during "waiting"/);
  });

  it('bundles left by an update cut while downloading (the partial download, an upload) are removed at the next start, nothing else', async () => {
    const fw = await downloading();
    // the data disk as the power cut left it: the state, the partial download, an upload's file, and others
    const cut = join(dir, 'cut');
    await mkdir(cut);
    await copyFile(join(dir, 'update.json'), join(cut, 'update.json'));
    await copyFile(join(dir, 'bundle.raucb'), join(cut, 'bundle.raucb'));
    const partialBytes = (await stat(join(cut, 'bundle.raucb'))).size;
    await writeFile(join(cut, 'upload-0123456789abcdef.raucb'), Buffer.alloc(5000, 1));
    await writeFile(join(cut, 'notes.txt'), 'kept');
    await writeFile(join(cut, 'bundle.raucb.sha256'), SHA);
    await mkdir(join(cut, 'saved.raucb'));
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (l: string) => lines.push(l) } });
    const next = firmware({ dir: cut, log });
    await next.start();
    assert.equal(await exists(join(cut, 'bundle.raucb')), false, 'the partial download is removed');
    assert.equal(await exists(join(cut, 'upload-0123456789abcdef.raucb')), false, "the upload's file is removed");
    assert.equal(await readFile(join(cut, 'notes.txt'), 'utf8'), 'kept');
    assert.equal(await readFile(join(cut, 'bundle.raucb.sha256'), 'utf8'), SHA);
    assert.ok((await stat(join(cut, 'saved.raucb'))).isDirectory(), 'only files are removed');
    assert.equal(next.current()?.step, 'failed');
    assert.match(next.current()?.error ?? '', /interrupted during "downloading"/);
    const removed = lines
      .map((l) => JSON.parse(l) as { msg: string; file?: string; bytes?: number })
      .filter((l) => /removed a bundle left/.test(l.msg))
      .map((l) => ({ file: l.file, bytes: l.bytes }))
      .sort((a, b) => String(a.file).localeCompare(String(b.file)));
    assert.deepEqual(removed, [
      { file: 'bundle.raucb', bytes: partialBytes },
      { file: 'upload-0123456789abcdef.raucb', bytes: 5000 },
    ]);
    await drain(next);
    await fw.cancel('end of the test');
  });

  it('stopped while it downloads (an in-process restart): the update fails as interrupted, its bundle removed; nothing of it runs on', async () => {
    const fw = await downloading();
    await fw.stop();
    assert.equal(fw.current()?.step, 'failed');
    assert.match(fw.current()?.error ?? '', /interrupted during "downloading": the agent stopped/);
    assert.equal(await exists(join(dir, 'bundle.raucb')), false, 'the partial download is removed');
    const next = firmware();
    await next.start();
    await drain(next);
    assert.equal(next.current()?.step, 'failed', 'the next start reads the stopped update');
    assert.ok(!rauc.calls.some((c) => c.startsWith('info') || c.startsWith('install')), rauc.calls.join());
    const u = await next.begin({ source: 'api', url: 'http://x/b.raucb' });
    assert.notEqual(u.step, 'failed', 'a new update may start');
    await next.stop();
  });

  it('parses rauc status --detailed JSON', () => {
    const s = parseStatus(
      'rauc-Message: x\n{"compatible":"c","booted":"A","boot_primary":"rootfs.1","slots":[{"rootfs.1":{"bootname":"B","state":"inactive","boot_status":"good","device":"/dev/vdb","slot_status":{"bundle":{"version":"2"}}}},{"rootfs.0":{"bootname":"A","state":"booted","boot_status":"good","device":"/dev/vda"}}]}',
    );
    assert.equal(s.primary, 'rootfs.1');
    assert.deepEqual(
      s.slots.map((x) => [x.name, x.bootname, x.version ?? '']),
      [
        ['rootfs.0', 'A', ''],
        ['rootfs.1', 'B', '2'],
      ],
    );
  });
});

describe('firmware cloud job', () => {
  const doc: FirmwareJob = { type: 'firmware', url: 'http://x/b.raucb', version: '2.0', sha256: SHA };

  it('follows the steps, commits with the boot id before the reboot, SUCCEEDED after the new slot was marked good', async () => {
    const fw = firmware();
    await fw.start();
    await drain(fw);
    const progress: string[] = [];
    const commits: { step: string; bootId?: string }[] = [];
    const handler = firmwareJobHandler({
      firmware: () => fw.service(),
      bootId: () => 'boot-1',
      settle: async () => {},
      note: async () => {},
    });
    assert.equal(handler.accept?.(doc), undefined);
    const result = handler.run({
      id: 'job-1',
      doc,
      cancelled: false,
      progress: async (step, percent) => {
        progress.push(`${step}${percent === undefined ? '' : ` ${percent}`}`);
      },
      commit: async (step, extra) => {
        commits.push({ step, ...extra });
      },
    });
    assert.equal(await result, 'pending');
    await drain(fw);
    assert.deepEqual(commits, [{ step: 'installing' }, { step: 'rebooting', bootId: 'boot-1' }]);
    assert.ok(progress.some((p) => p.startsWith('downloading')));
    assert.ok(progress.includes('installing 100'));

    // the next boot: resume is pending until the checks passed, then settles SUCCEEDED
    rauc.reboot();
    const next = firmware({}, '2.0');
    const settled: JobOutcome[] = [];
    const h2 = firmwareJobHandler({
      firmware: () => next.service(),
      bootId: () => 'boot-2',
      settle: async (_id, o) => {
        settled.push(o);
      },
      note: async () => {},
    });
    problem = 'web is stopped';
    await next.start();
    const rec = { id: 'job-1', type: 'firmware', status: 'IN_PROGRESS' } as unknown as JobRecord;
    assert.equal(h2.resume?.(rec), 'pending');
    problem = undefined;
    await clock.advance(1000);
    await drain(next);
    assert.deepEqual(settled, [{ status: 'SUCCEEDED', details: { version: '2.0', slot: 'B' } }]);
  });

  it('FAILED with the reason when the bundle is refused; REJECTED at once on a device without A/B slots', async () => {
    rauc.bundle.signatureError = 'signature verification failed';
    const fw = firmware();
    await fw.start();
    const handler = firmwareJobHandler({
      firmware: () => fw.service(),
      bootId: () => 'b',
      settle: async () => {},
      note: async () => {},
    });
    const out = handler.run({ id: 'j', doc, cancelled: false, progress: async () => {}, commit: async () => {} });
    await until(fw, 'failed');
    const o = (await out) as JobOutcome;
    assert.equal(o.status, 'FAILED');
    assert.match(String(o.details), /refused: .*signature verification failed/);

    const none = new Firmware({
      dir,
      clock,
      log: silentLogger(),
      rauc: undefined,
      unavailableReason: 'this device has no A/B slots',
      version: '1.0',
      busy: () => false,
      health: async () => undefined,
      reboot: () => {},
    });
    const h = firmwareJobHandler({
      firmware: () => none.service(),
      bootId: () => 'b',
      settle: async () => {},
      note: async () => {},
    });
    assert.match(h.accept?.(doc) ?? '', /not possible on this device: this device has no A\/B slots/);
  });
});

/** An update from a URL whose server sent 4 KB of the bundle and then nothing: downloading, the partial file on disk. */
async function downloading(req: { version?: string } = {}): Promise<Firmware> {
  const fw = firmware({ get: hangingHttpStream(BUNDLE.subarray(0, 4096), BUNDLE.length) });
  await fw.start();
  await drain(fw);
  await fw.begin({ source: 'api', url: 'http://x/b.raucb', ...req });
  await until(fw, 'downloading');
  await partial(4096);
  return fw;
}

/** Waits (real time: file writes) until the partial download holds `bytes`. */
async function partial(bytes: number): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    const size = await stat(join(dir, 'bundle.raucb')).then(
      (s) => s.size,
      () => -1,
    );
    if (size >= bytes) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`the partial download never reached ${bytes} bytes`);
}

const exists = (f: string) =>
  stat(f).then(
    () => true,
    () => false,
  );

describe('firmware cancel', () => {
  it('while waiting for a call: canceled, nothing downloaded or checked, a new update may start', async () => {
    calls = 1;
    const fw = firmware({ maxCallWaitMs: 600_000 });
    await fw.start();
    await drain(fw);
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    await until(fw, 'waiting');
    const u = await fw.cancel('cancelled through the API');
    assert.equal(u.step, 'canceled');
    assert.equal(u.message, 'cancelled through the API');
    calls = 0;
    await clock.advance(5000);
    assert.equal(fw.current()?.step, 'canceled');
    assert.ok(!rauc.calls.some((c) => c.startsWith('info') || c.startsWith('install')), rauc.calls.join());
    assert.equal(reboots, 0);
    const saved = JSON.parse(await readFile(join(dir, 'update.json'), 'utf8')) as FirmwareUpdate;
    assert.equal(saved.step, 'canceled', 'the final state is on the data disk');
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    await until(fw, 'rebooting');
    await drain(fw);
  });

  it('while downloading: the download stops, the partial file is removed, the running slot untouched', async () => {
    const fw = await downloading({ version: '2.0' });
    const u = await fw.cancel('cancelled through the API');
    assert.equal(u.step, 'canceled');
    assert.equal(await exists(join(dir, 'bundle.raucb')), false, 'the partial download is removed');
    assert.ok(!rauc.calls.some((c) => c.startsWith('info') || c.startsWith('install')), rauc.calls.join());
    assert.equal(rauc.primary, 'A');
    assert.equal(reboots, 0);
  });

  it("while verifying: RAUC's check is stopped, the bundle removed", async () => {
    rauc.hold('info');
    const fw = firmware();
    await fw.start();
    await drain(fw);
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    await rauc.started('info');
    assert.equal(fw.current()?.step, 'verifying');
    const u = await fw.cancel('cancelled by the cloud');
    assert.equal(u.step, 'canceled');
    assert.equal(u.error, undefined);
    assert.equal(await exists(join(dir, 'bundle.raucb')), false);
    assert.ok(!rauc.calls.some((c) => c.startsWith('install')));
    assert.equal(rauc.primary, 'A');
  });

  it('once RAUC writes the slot a cancel is refused with the reason, and the install goes on', async () => {
    rauc.hold('install');
    const fw = firmware();
    await fw.start();
    await drain(fw);
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    await rauc.started('install');
    await assert.rejects(fw.cancel('cancelled through the API'), (err: Error) => {
      assert.ok(err instanceof FirmwareNotCancelable);
      assert.match(err.message, /can no longer be cancelled: RAUC is writing the other slot .*step installing/);
      return true;
    });
    rauc.release('install');
    await until(fw, 'rebooting');
    await drain(fw);
    assert.equal(reboots, 1);
    await assert.rejects(fw.cancel('x'), /can no longer be cancelled/);
  });

  it('a cancel right after the start resolves once the update is canceled', async () => {
    const fw = firmware();
    await fw.start();
    await drain(fw);
    await fw.begin({ source: 'api', url: 'http://x/b.raucb' });
    const u = await fw.cancel('cancelled through the API');
    assert.equal(u.step, 'canceled');
    assert.equal(reboots, 0);
    assert.ok(!rauc.calls.some((c) => c.startsWith('install')));
  });

  it('nothing to cancel: refused', async () => {
    const fw = firmware();
    await fw.start();
    await drain(fw);
    await assert.rejects(fw.cancel('x'), /no update is in progress/);
  });
});

describe('firmware cloud job: cancel and offer', () => {
  const doc: FirmwareJob = { type: 'firmware', url: 'http://x/b.raucb', version: '2.0', sha256: SHA };

  function handlerFor(fw: Firmware) {
    return firmwareJobHandler({
      firmware: () => fw.service(),
      bootId: () => 'boot-1',
      settle: async () => {},
      note: async () => {},
    });
  }

  it("the cloud's cancel during the download ends the job CANCELED; nothing was committed", async () => {
    const fw = firmware({ get: hangingHttpStream(BUNDLE.subarray(0, 1000), BUNDLE.length) });
    await fw.start();
    await drain(fw);
    const abort = new AbortController();
    const commits: string[] = [];
    const out = handlerFor(fw).run({
      id: 'job-c',
      doc,
      get cancelled() {
        return abort.signal.aborted;
      },
      signal: abort.signal,
      progress: async () => {},
      commit: async (step) => {
        commits.push(step);
      },
    });
    await until(fw, 'downloading');
    await partial(1000);
    abort.abort();
    const o = (await out) as JobOutcome;
    assert.deepEqual(o, { status: 'CANCELED', details: 'cancelled by the cloud' });
    assert.deepEqual(commits, []);
    assert.equal(await exists(join(dir, 'bundle.raucb')), false);
    assert.equal(rauc.primary, 'A');
  });

  it('commits before RAUC writes the slot: a cancel after that changes nothing, the job goes on to the reboot', async () => {
    rauc.hold('install');
    const fw = firmware();
    await fw.start();
    await drain(fw);
    const abort = new AbortController();
    const commits: string[] = [];
    const out = handlerFor(fw).run({
      id: 'job-i',
      doc,
      get cancelled() {
        return abort.signal.aborted;
      },
      signal: abort.signal,
      progress: async () => {},
      commit: async (step) => {
        commits.push(step);
      },
    });
    await rauc.started('install');
    assert.deepEqual(commits, ['installing'], 'committed before the install started');
    abort.abort();
    rauc.release('install');
    assert.equal(await out, 'pending');
    await drain(fw);
    assert.deepEqual(commits, ['installing', 'rebooting']);
    assert.equal(reboots, 1);
  });

  it('a job for the version the device already runs is SUCCEEDED at once, nothing downloaded', async () => {
    let fetched = 0;
    const fw = firmware(
      {
        get: async (url, opts) => {
          fetched++;
          return fakeHttpStream(Buffer.alloc(0))(url, opts);
        },
      },
      '2.0',
    );
    await fw.start();
    await drain(fw);
    const o = (await handlerFor(fw).run({
      id: 'same',
      doc,
      cancelled: false,
      progress: async () => {},
      commit: async () => {},
    })) as JobOutcome;
    assert.equal(o.status, 'SUCCEEDED');
    assert.match(JSON.stringify(o.details), /already runs version 2\.0/);
    assert.equal(fetched, 0);
    assert.equal(fw.current(), null);
  });

  it('a queued job offers its version (kept on the data disk) until it ends; a cancelled URL update is offered again', async () => {
    const fw = firmware();
    await fw.start();
    await drain(fw);
    assert.equal(fw.offered(), undefined);
    handlerFor(fw).queued?.('job-q', { ...doc, notBefore: '2030-01-01T03:00:00Z' });
    await drain(fw);
    assert.deepEqual(fw.offered(), {
      from: 'cloud',
      version: '2.0',
      url: 'http://x/b.raucb',
      jobId: 'job-q',
      sha256: SHA,
      notBefore: '2030-01-01T03:00:00Z',
    });
    const again = firmware();
    await again.start();
    await drain(again);
    assert.equal(again.offered()?.jobId, 'job-q', 'survives a restart');
    await again.withdraw('job-q');
    assert.equal(again.offered(), undefined);

    // an update from a URL cancelled while downloading: the same URL and version are offered again
    const cut = firmware({ get: hangingHttpStream(BUNDLE.subarray(0, 1000), BUNDLE.length) });
    await cut.start();
    await drain(cut);
    await cut.begin({ source: 'cloud', url: 'http://x/c.raucb', version: '2.1', sha256: SHA });
    await until(cut, 'downloading');
    await cut.cancel('cancelled by the cloud');
    assert.deepEqual(cut.offered(), { from: 'retry', version: '2.1', url: 'http://x/c.raucb', sha256: SHA });
    // a device already on that version has nothing offered
    assert.equal(firmware({}, '2.1').offered(), undefined);
  });
});
