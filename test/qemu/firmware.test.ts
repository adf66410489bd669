/**
 * Firmware updates on the emulated door phone with A/B slots (issue 14): the disks of
 * rootfs/bundle.sh (slot A, slot B, data; the boot stage initramfs picks the slot, counts the boot
 * attempts; RAUC with its custom backend installs). One VM serves every check, in order, rebooting
 * in place (QEMU is started again only after the power cut of check (3)):
 *   slot A marked good → (2) a bundle signed with another key refused → another model's bundle
 *   (uploaded), a SHA-256 mismatch and a truncated download refused → a full data disk refused →
 *   (1) a new version from a URL installed, booted, marked good, config, call log and door log kept →
 *   (3) QEMU killed while installing, the old slot boots; the second try succeeds, and it is
 *   (5) the cloud's firmware job with notBefore through mosquitto →
 *   (4) a version whose agent exits at once, sent as a cloud job, rolled back after its boot
 *   attempts; the cloud's job FAILED with the reason.
 * The bundles are built once and cached by the rootfs build stamps (rootfs/build/test-bundles); they
 * are served by this test over HTTP on the host (the guest reaches it at 10.0.2.100 through QEMU's
 * guestfwd; /truncated.raucb sends a part of new.raucb and ends the connection); the agent is driven
 * through its API with an admin token made at first-run setup (kept on the data disk).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type Mosquitto, startMosquitto } from '../harness/mosquitto.ts';
import { fleet } from '../integration/cloud-support.ts';
import { DoorPhoneVm, IMAGE_DIR } from './vm.ts';

const REPO = resolve(import.meta.dirname, '../..');
const AB = join(IMAGE_DIR, 'ab');
/** The bundles of this test, kept between runs: rootfs/bundle.sh makes one again only when its inputs changed. */
const BUNDLES = join(REPO, 'rootfs/build/test-bundles');
const NEW_VERSION = '0.2.0-fwtest';
const THIRD_VERSION = '0.3.0-fwtest';
const BROKEN_VERSION = '0.4.0-broken';
/**
 * Seconds a boot has to mark its slot good before the boot watchdog reboots (portier.watchdog). A
 * healthy boot ends its watchdog once marked good (about 50 s after init under TCG here), so a
 * generous deadline costs nothing and keeps a slow machine from rolling back a good version.
 */
const WATCHDOG_S = 120;
/**
 * The boot watchdog's deadline for the boots of the version whose agent exits at once (check 4), set on
 * the data disk (/data/boot/watchdog) while that version boots: its agent never starts, so the
 * watchdog would only wait longer for the same reboot; the rollback boot has WATCHDOG_S again.
 */
const BROKEN_WATCHDOG_S = 10;
/** The marker the agent logs once this boot's health checks passed and the slot was marked good. */
const MARKED_GOOD = /"msg":"firmware: health checks passed, slot marked good"/;

type Update = {
  id?: string;
  step: string;
  percent?: number;
  error?: string;
  bundleVersion?: string;
  targetSlot?: string;
};
type Status = {
  available: boolean;
  version: string;
  booted?: string;
  slots: { name: string; bootname: string; state: string; bootStatus: string; version?: string }[];
  health: { passed: boolean | null; problem?: string };
  update: Update | null;
};

let vm: DoorPhoneVm;
let dir: string;
let server: Server;
let token = '';
let broker: Mosquitto;
/** The VM's device id: its NIC's MAC (QEMU's default 52:54:00:12:34:56), as the agent takes it. */
const DEVICE = '525400123456';
/** Every update state the test saw over the API, in order. */
const seen: string[] = [];

function bundle(args: string[]): void {
  execFileSync('bash', [join(REPO, 'rootfs/bundle.sh'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * new.raucb signed again with a key that is not in the device's keyring; made again only when
 * new.raucb was (its build stamp is kept next to the result).
 */
async function otherKeyBundle(): Promise<void> {
  const from = join(BUNDLES, 'new.raucb');
  const out = join(BUNDLES, 'other-key.raucb');
  const source = readFileSync(`${from}.stamp`, 'utf8');
  if (existsSync(out) && existsSync(`${out}.stamp`) && readFileSync(`${out}.stamp`, 'utf8') === source) return;
  const key = join(BUNDLES, 'other.key.pem');
  const cert = join(BUNDLES, 'other.cert.pem');
  if (!existsSync(key) || !existsSync(cert))
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=Not the device keyring'],
        ...['-keyout', key, '-out', cert],
      ],
      { stdio: 'ignore' },
    );
  const ab = JSON.parse(await readFile(join(AB, 'ab.json'), 'utf8')) as { cert: string };
  await rm(out, { force: true });
  execFileSync(
    'rauc',
    ['resign', `--keyring=${ab.cert}`, `--signing-keyring=${cert}`, `--cert=${cert}`, `--key=${key}`, from, out],
    { stdio: ['ignore', 'ignore', 'pipe'] }, // rauc's messages only in the error, if it fails
  );
  await writeFile(`${out}.stamp`, source);
}

/**
 * A small bundle for another model (`compatible` portier-door-other), signed with the device's own
 * development key: its signature passes, its compatible does not. Made in `dir` (a second).
 */
function otherModelBundle(out: string): void {
  const ab = JSON.parse(readFileSync(join(AB, 'ab.json'), 'utf8')) as { cert: string; key: string };
  const content = join(dir, 'other-model');
  mkdirSync(join(content, 'tree/etc'), { recursive: true });
  writeFileSync(join(content, 'tree/etc/model'), 'other-model\n');
  execFileSync('mke2fs', ['-q', '-t', 'ext4', '-d', join(content, 'tree'), join(content, 'rootfs.ext4'), '4M']);
  rmSync(join(content, 'tree'), { recursive: true });
  writeFileSync(
    join(content, 'manifest.raucm'),
    '[update]\ncompatible=portier-door-other\nversion=9.9.9\n\n[image.rootfs]\nfilename=rootfs.ext4\n',
  );
  execFileSync('rauc', ['bundle', `--cert=${ab.cert}`, `--key=${ab.key}`, content, out], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(vm.url('http', path), {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function status(): Promise<Status> {
  const r = await api<{ result: Status }>('GET', '/api/v1/firmware');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.result;
}

/** Polls the update until `done(u)`; notes every step and percent seen. */
async function waitUpdate(done: (u: Update) => boolean, timeoutMs: number): Promise<Update> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const u = await status()
      .then((s) => s.update)
      .catch(() => null);
    if (u) {
      const key = `${u.step}${u.percent !== undefined ? ` ${u.percent}%` : ''}`;
      if (seen.at(-1) !== key) seen.push(key);
      if (done(u)) return u;
    }
    if (Date.now() > end) throw new Error(`update not done within ${timeoutMs} ms; seen: ${seen.join(', ')}`);
    await delay(300);
  }
}

/** Waits for the agent's web port after a boot (it may refuse connections for a while). */
async function webUp(timeoutMs = 180_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(vm.url('http', '/api/v1/auth/state')).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > end) throw new Error('the agent did not answer on its web port');
    await delay(500);
  }
}

/** First-run setup with the code from the console, then an admin API token (kept on the data disk). */
async function adminToken(): Promise<string> {
  const line = await vm.waitForConsole(/one-time setup code [A-Z0-9]{4}-[A-Z0-9]{4}/, { timeoutMs: 180_000 });
  const code = /setup code ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(line)?.[1];
  const setup = await fetch(vm.url('http', '/api/v1/auth/setup'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, password: 'door-phone-firmware-1' }),
  });
  assert.equal(setup.status, 200, await setup.clone().text());
  const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const csrf = ((await setup.json()) as { result: { csrfToken: string } }).result.csrfToken;
  const t = await fetch(vm.url('http', '/api/v1/auth/tokens'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
    body: JSON.stringify({ name: 'firmware-test', scope: 'admin' }),
  });
  const body = (await t.json()) as { result: { token: string } };
  assert.equal(t.status, 200, JSON.stringify(body));
  return body.result.token;
}

/** Boots the A/B disks of this test (again after QEMU was killed: the same disk files). */
function bootAb(): Promise<DoorPhoneVm> {
  return DoorPhoneVm.boot({
    initrd: join(AB, 'boot.cpio'),
    drives: ['slot-a', 'slot-b', 'data'].map((d) => join(dir, `${d}.img`)),
    reboot: true,
    append: `portier.watchdog=${WATCHDOG_S}`,
    hostServices: {
      8000: (server.address() as AddressInfo).port,
      1883: Number(new URL(broker.tcpUrl as string).port),
    },
  });
}

/**
 * Follows a cloud job with the operator tool (`portier fleet jobs`) until it ends: the states it was
 * seen in (status and step, in order) and its last row.
 */
async function cloudJob(
  jobId: string,
  timeoutMs: number,
): Promise<{ states: string[]; last: { status: string; step?: string; details?: unknown } | undefined }> {
  const states: string[] = [];
  let last: { status: string; step?: string; details?: unknown } | undefined;
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const r = await fleet(broker, 'jobs', DEVICE, '--json');
    const row = (
      JSON.parse(r.out || '[]') as { jobId: string; status: string; step?: string; details?: unknown }[]
    ).find((x) => x.jobId === jobId);
    if (row) {
      last = row;
      const key = `${row.status}${row.step ? ` ${row.step}` : ''}`;
      if (states.at(-1) !== key) states.push(key);
      if (['SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELED'].includes(row.status)) break;
    }
    await delay(1000);
  }
  return { states, last };
}

/** Where a console line returned by waitForConsole(…, { since }) is (a mark for what comes after it). */
function lineAt(line: string, since: number): number {
  return vm.lines(since).indexOf(line) + since;
}

/** The slots as [bootname, state, bootStatus, version], for comparing before and after. */
function slotRows(s: Status): string[][] {
  return s.slots.map((x) => [x.bootname, x.state, x.bootStatus, x.version ?? '']);
}

describe('firmware updates (QEMU, RAUC A/B slots)', () => {
  before(async () => {
    // the A/B disks and the bundles: two new versions and one whose agent exits at once (each made
    // again only when the image, the agent or rootfs/ab changed), and one signed with another key
    await mkdir(BUNDLES, { recursive: true });
    bundle(['--version', NEW_VERSION, '--out', join(BUNDLES, 'new.raucb')]);
    bundle(['--version', THIRD_VERSION, '--out', join(BUNDLES, 'third.raucb')]);
    bundle(['--version', BROKEN_VERSION, '--agent-cmd', 'exit 3', '--out', join(BUNDLES, 'broken.raucb')]);
    await otherKeyBundle();
    dir = await mkdtemp(join(tmpdir(), 'portier-fw-'));
    for (const d of ['slot-a', 'slot-b', 'data'])
      execFileSync('cp', ['--sparse=always', join(AB, `${d}.img`), join(dir, `${d}.img`)]);

    otherModelBundle(join(dir, 'other-model.raucb'));

    server = createServer((req, res) => {
      if (!/^\/[a-z-]+\.raucb$/.test(req.url ?? '')) {
        res.writeHead(404).end();
        return;
      }
      const name = (req.url ?? '/').slice(1);
      const truncated = name === 'truncated.raucb';
      const file = name === 'other-model.raucb' ? join(dir, name) : join(BUNDLES, truncated ? 'new.raucb' : name);
      res.writeHead(200, { 'content-length': statSync(file).size, 'content-type': 'application/octet-stream' });
      // the truncated one: 4 MB of new.raucb, then the connection ends (a server or a network gone)
      if (truncated)
        createReadStream(file, { end: 4 * 1024 * 1024 - 1 })
          .on('end', () => res.destroy())
          .pipe(res, { end: false });
      else createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    broker = await startMosquitto({ devices: [DEVICE], tcp: true });
    vm = await bootAb();
    token = await adminToken();
  });

  after(async () => {
    await vm?.stop();
    server?.close();
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('boots slot A, passes its health checks and marks it good (RAUC custom backend, boot state on the data disk)', async () => {
    await vm.waitForConsole(MARKED_GOOD, { timeoutMs: 180_000 });
    const s = await status();
    assert.equal(s.available, true);
    assert.equal(s.booted, 'A');
    assert.equal(s.health.passed, true);
    assert.deepEqual(
      s.slots.map((x) => [x.bootname, x.state, x.bootStatus]),
      [
        ['A', 'booted', 'good'],
        ['B', 'inactive', 'bad'],
      ],
    );
    const state = await vm.sh('cat /data/boot/state');
    assert.match(state, /BOOT_ORDER="A B"/);
    assert.match(state, /A_OK=1\nA_TRY=0/, 'marking good cleared the boot attempts');
  });

  it('(2) refuses a bundle signed with another key: the update FAILED with the reason, slot B untouched', async () => {
    const before = await vm.sh('cat /data/boot/state');
    const r = await api<{ result: Update }>('POST', '/api/v1/firmware', {
      url: 'http://10.0.2.100:8000/other-key.raucb',
    });
    assert.equal(r.status, 202, JSON.stringify(r.json));
    const u = await waitUpdate((x) => x.step === 'failed', 120_000);
    assert.match(u.error ?? '', /refused.*(signature|verif|certificate)/i, u.error);
    assert.equal(await vm.sh('cat /data/boot/state'), before, 'the boot state did not change');
    const s = await status();
    assert.equal(s.booted, 'A');
    assert.deepEqual(
      s.slots.map((x) => [x.bootname, x.bootStatus]),
      [
        ['A', 'good'],
        ['B', 'bad'],
      ],
    );
  });

  it("another model's bundle (uploaded), a SHA-256 mismatch and a truncated download: each refused with the reason, the slots and the boot state as before, nothing left on the data disk", async () => {
    const before = await status();
    const bootState = await vm.sh('cat /data/boot/state');
    const refused = async (start: Promise<Response>, reason: RegExp): Promise<void> => {
      const r = await start;
      const body = (await r.json()) as { result: Update };
      assert.equal(r.status, 202, JSON.stringify(body));
      const u = await waitUpdate((x) => x.id === body.result.id && x.step === 'failed', 120_000);
      assert.match(u.error ?? '', reason, u.error);
      const s = await status();
      assert.equal(s.version, before.version);
      assert.deepEqual(slotRows(s), slotRows(before), 'the slots did not change');
      assert.equal(await vm.sh('cat /data/boot/state'), bootState, 'the boot state did not change');
      assert.equal((await vm.sh('ls /data/firmware | grep -c raucb || true')).trim(), '0', 'no bundle left');
    };
    const post = (path: string, type: string, body: BodyInit) =>
      fetch(vm.url('http', path), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body,
      });
    // the upload goes to the data disk, RAUC checks its signature (good), the agent its compatible
    await refused(
      post(
        '/api/v1/firmware',
        'application/octet-stream',
        new Uint8Array(readFileSync(join(dir, 'other-model.raucb'))),
      ),
      /the bundle is for "portier-door-other", this device is "portier-door-qemu"/,
    );
    await refused(
      post(
        '/api/v1/firmware',
        'application/json',
        JSON.stringify({ url: 'http://10.0.2.100:8000/other-model.raucb', sha256: 'ab'.repeat(32) }),
      ),
      new RegExp(`SHA-256 mismatch: the bundle is [0-9a-f]{64}, .*${'ab'.repeat(32)}`),
    );
    await refused(
      post('/api/v1/firmware', 'application/json', JSON.stringify({ url: 'http://10.0.2.100:8000/truncated.raucb' })),
      new RegExp(`truncated: the connection ended after \\d+ of ${statSync(join(BUNDLES, 'new.raucb')).size} bytes`),
    );
  });

  it('a full data disk: the download is refused with the reason, the running slot untouched, the update FAILED; space freed again', async () => {
    const before = await status();
    const bootState = await vm.sh('cat /data/boot/state');
    try {
      // fill the data partition: most of it at once, the rest (root's reserved blocks too) until ENOSPC
      await vm.sh(
        [
          'a=$(stat -f -c %a /data); b=$(stat -f -c %S /data)',
          'fallocate -l $((a / 100 * 95 * b)) /data/fill',
          'dd if=/dev/zero of=/data/fill-rest bs=64k 2>/dev/null; sync',
          'dd if=/dev/zero of=/data/fill-probe bs=4k count=1 conv=fsync 2>/dev/null && exit 1; rm -f /data/fill-probe; exit 0',
        ].join('\n'),
        180_000,
      );
      seen.length = 0;
      const r = await api<{ result: Update }>('POST', '/api/v1/firmware', {
        url: 'http://10.0.2.100:8000/new.raucb',
      });
      assert.equal(r.status, 202, JSON.stringify(r.json));
      const u = await waitUpdate((x) => x.step === 'failed' || x.step === 'installing', 120_000);
      assert.equal(u.step, 'failed', JSON.stringify(u));
      assert.match(u.error ?? '', /^no space left on the data disk for the bundle/, u.error);
      assert.ok(!seen.some((x) => x.startsWith('installing')), `nothing was installed (${seen.join(', ')})`);
      const s = await status();
      assert.equal(s.update?.step, 'failed', 'the status shows the failed update');
      assert.equal(s.version, before.version, 'the same version runs');
      assert.equal(s.booted, before.booted);
      assert.deepEqual(slotRows(s), slotRows(before), 'the slots did not change');
      assert.equal(await vm.sh('cat /data/boot/state'), bootState, 'the boot state did not change');
      assert.equal(
        (await vm.sh('ls /data/firmware 2>/dev/null | grep -c raucb || true')).trim(),
        '0',
        'no partial bundle left',
      );
    } finally {
      await vm.sh('rm -f /data/fill /data/fill-rest /data/fill-probe; sync', 60_000);
    }
    const free = Number((await vm.sh('stat -f -c %a /data')).trim());
    assert.ok(free > 10_000, `the data disk has space again (${free} blocks)`);
  });

  it('(1) installs a signed bundle from a URL, reboots into slot B, the new version runs and is marked good; config, token, call log and door log kept', async () => {
    // data from before: a config change, a call the door placed (to an address where nobody
    // answers, hung up by the API) and a door opening (exit button → relay → door log)
    await vm.sh('portier config set identity.location="Firmware lobby"', 60_000);
    const dial = await api<{ result: { id: string } }>('POST', '/api/v1/calls', {
      target: 'sip:nobody@10.0.2.15:5099',
    });
    assert.equal(dial.status, 200, JSON.stringify(dial.json));
    const hangup = await api('POST', `/api/v1/calls/${dial.json.result.id}/hangup`);
    assert.equal(hangup.status, 200, JSON.stringify(hangup.json));
    await vm.gpio.press('EXIT_BUTTON');
    await vm.gpio.wait('RELAY_A', 1);
    await vm.gpio.release('EXIT_BUTTON');
    type Entries = { result: { entries: { id?: string; peer?: string; result?: string }[] } };
    let callLog: Entries['result']['entries'] = [];
    let doorLog: unknown[] = [];
    for (let i = 0; i < 100 && (callLog.length === 0 || doorLog.length === 0); i++) {
      callLog = (await api<Entries>('GET', '/api/v1/logs/calls')).json.result.entries;
      doorLog = (await api<Entries>('GET', '/api/v1/logs/door')).json.result.entries;
      if (!callLog.length || !doorLog.length) await delay(200);
    }
    assert.equal(callLog.length, 1, 'the call is in the call log');
    assert.equal(callLog[0]?.id, dial.json.result.id);
    assert.match(callLog[0]?.peer ?? '', /nobody@10\.0\.2\.15/);
    assert.equal(doorLog.length, 1, 'the exit button opened the door once');

    seen.length = 0;
    const t0 = Date.now();
    const r = await api<{ result: Update }>('POST', '/api/v1/firmware', {
      url: 'http://10.0.2.100:8000/new.raucb',
    });
    assert.equal(r.status, 202, JSON.stringify(r.json));
    const busy = await api<{ error: { code: string; message: string } }>('POST', '/api/v1/firmware', {
      url: 'http://10.0.2.100:8000/new.raucb',
    });
    assert.equal(busy.status, 409, 'one update at a time');
    assert.match(busy.json.error.message, /already in progress/);

    const mark = vm.mark();
    await waitUpdate((x) => ['rebooting', 'verifying-new-slot', 'done', 'failed'].includes(x.step), 300_000);
    await vm.waitForConsole(/portier-boot: booting slot B/, { since: mark, timeoutMs: 120_000 });
    const installed = Date.now() - t0;
    await vm.waitForConsole(/portier-vm: ready/, { since: mark, timeoutMs: 120_000 });
    await webUp();
    const u = await waitUpdate((x) => x.step === 'done' || x.step === 'failed', 300_000);
    assert.equal(u.step, 'done', JSON.stringify(u));
    console.log(`# install + reboot ${installed} ms; steps seen: ${seen.join(', ')}`);
    for (const step of ['downloading', 'verifying', 'installing', 'done'])
      assert.ok(
        seen.some((x) => x.startsWith(step)),
        `step ${step} seen (${seen.join(', ')})`,
      );

    const s = await status();
    assert.equal(s.version, NEW_VERSION);
    assert.equal(s.booted, 'B');
    assert.equal(s.health.passed, true);
    assert.deepEqual(slotRows(s), [
      ['A', 'inactive', 'good', ''],
      ['B', 'booted', 'good', NEW_VERSION],
    ]);
    assert.match(await vm.sh('cat /data/boot/state'), /BOOT_ORDER="B A"\nA_OK=1\nA_TRY=\d\nB_OK=1\nB_TRY=0/);
    assert.equal((await vm.sh('cat /etc/portier/firmware-version')).trim(), NEW_VERSION);
    // the data disk was not touched: the token still works (it made these requests), config and logs
    assert.match(await vm.sh('portier config get identity.location', 60_000), /Firmware lobby/);
    assert.deepEqual((await api<Entries>('GET', '/api/v1/logs/calls')).json.result.entries, callLog);
    assert.deepEqual((await api<Entries>('GET', '/api/v1/logs/door')).json.result.entries, doorLog);
  });

  it('(3) QEMU killed while installing: the old slot boots and works, the update is failed', async () => {
    seen.length = 0;
    const r = await api<{ result: Update }>('POST', '/api/v1/firmware', {
      url: 'http://10.0.2.100:8000/third.raucb',
    });
    assert.equal(r.status, 202, JSON.stringify(r.json));
    await waitUpdate((x) => x.step === 'installing' || x.step === 'failed', 300_000);
    // RAUC's service log says when it writes the slot (RAUC marked the slot bad just before)
    await vm.sh(
      'for i in $(seq 1200); do grep -q "writing data to device /dev/vda" /run/rauc-service.log && exit 0; usleep 100000; done; exit 1',
      150_000,
    );
    await delay(2000);
    process.kill(vm.pid, 'SIGKILL'); // the power cut, halfway through writing slot A: nothing is shut down
    await vm.stop();
    vm = await bootAb();
    await vm.waitForConsole(MARKED_GOOD, { timeoutMs: 180_000 });
    const s = await status();
    assert.equal(s.booted, 'B', 'the running slot boots again');
    assert.equal(s.version, NEW_VERSION);
    assert.equal(s.update?.step, 'failed');
    assert.match(s.update?.error ?? '', /interrupted during "installing"/);
    assert.equal(s.slots.find((x) => x.bootname === 'A')?.bootStatus, 'bad', 'RAUC took the half-written slot out');
  });

  // The second try after the power cut is the cloud's job: (3) ends where (5) begins, one install and one reboot fewer.
  it("(3) a second try succeeds, and (5) it is the cloud's firmware job with notBefore through mosquitto: QUEUED, the steps, SUCCEEDED once the new version was marked good", async () => {
    const creds = broker.device(DEVICE);
    await vm.sh(
      `portier config set cloud.enabled=true cloud.brokerUrl=mqtt://10.0.2.100:1883 cloud.connectType=tcp cloud.username=${creds.username} cloud.password=${creds.password}`,
      60_000,
    );
    for (let i = 0; ; i++) {
      const d = await fleet(broker, 'devices', '--json');
      const rows = JSON.parse(d.out || '[]') as { id: string; state: string }[];
      if (rows.some((r) => r.id === DEVICE && r.state === 'online')) break;
      assert.ok(i < 120, `the device did not come online: ${d.out} ${d.err}`);
      await delay(1000);
    }
    const at = new Date(Date.now() + 15_000).toISOString();
    const job = await fleet(
      broker,
      ...['firmware', DEVICE, 'http://10.0.2.100:8000/third.raucb', '--version', THIRD_VERSION],
      ...['--at', at, '--no-wait', '--job-id', 'fw-cloud-1'],
    );
    assert.equal(job.code, 0, job.out + job.err);
    const { states, last } = await cloudJob('fw-cloud-1', 600_000);
    console.log(`# cloud job states seen by the operator tool: ${states.join(', ')}`);
    assert.equal(last?.status, 'SUCCEEDED', JSON.stringify(last));
    assert.deepEqual(last?.details, { version: THIRD_VERSION, slot: 'A' });
    assert.equal(states[0], 'QUEUED', 'waits for notBefore');
    for (const step of ['downloading', 'installing', 'rebooting'])
      assert.ok(
        states.some((x) => x.startsWith(`IN_PROGRESS ${step}`)),
        `${step} seen: ${states.join(', ')}`,
      );
    const s = await status();
    assert.equal(s.update?.step, 'done', JSON.stringify(s.update));
    assert.equal(s.version, THIRD_VERSION);
    assert.equal(s.booted, 'A');
    assert.deepEqual(
      s.slots.map((x) => [x.bootname, x.bootStatus]),
      [
        ['A', 'good'],
        ['B', 'good'],
      ],
      'the half-written slot was written again and is good',
    );
  });

  it("(4) a version whose agent exits at once, sent by the cloud: after its boot attempts the old slot boots again, and the cloud's job is FAILED with the reason", async () => {
    seen.length = 0;
    const running = (await status()).version;
    // the boots of this version get a short watchdog deadline (see BROKEN_WATCHDOG_S)
    await vm.sh(`echo ${BROKEN_WATCHDOG_S} > /data/boot/watchdog; sync`);
    try {
      const mark = vm.mark();
      const job = await fleet(
        broker,
        ...['firmware', DEVICE, 'http://10.0.2.100:8000/broken.raucb', '--version', BROKEN_VERSION],
        ...['--no-wait', '--job-id', 'fw-cloud-broken'],
      );
      assert.equal(job.code, 0, job.out + job.err);
      // (not the API: the poll may miss `rebooting`, and the API is down until slot A runs again)
      await vm.waitForConsole(/firmware installed: rebooting into the new slot|firmware update failed/, {
        since: mark,
        timeoutMs: 300_000,
      });
      // three boots of B (the agent exits, nobody marks it good, the watchdog reboots), then A
      for (const attempt of [1, 2, 3]) {
        const boot = await vm.waitForConsole(
          new RegExp(`portier-boot: booting slot B \\(/dev/vdb, attempt ${attempt} of 3`),
          { since: mark, timeoutMs: 180_000 },
        );
        const at = lineAt(boot, mark);
        await vm.waitForConsole(new RegExp(`portier-vm: boot watchdog: slot B has ${BROKEN_WATCHDOG_S} s`), {
          since: at,
          timeoutMs: 60_000,
        });
        // the last attempt's watchdog has read its deadline: the next boot has the usual one again
        if (attempt === 3) await vm.sh('rm -f /data/boot/watchdog; sync');
        await vm.waitForConsole(/portier-vm: the agent exited \(status 3\)/, { since: at, timeoutMs: 120_000 });
        await vm.waitForConsole(/portier-vm: slot B was not marked good within/, { since: at, timeoutMs: 120_000 });
      }
      const skipped = await vm.waitForConsole(/portier-boot: slot B skipped \(good=1, attempts=3 of 3\)/, {
        since: mark,
        timeoutMs: 120_000,
      });
      const back = lineAt(skipped, mark);
      await vm.waitForConsole(/portier-boot: booting slot A \(\/dev\/vda, attempt 1 of 3/, {
        since: mark,
        timeoutMs: 60_000,
      });
      const deadline = await vm.waitForConsole(/portier-vm: boot watchdog: slot A has \d+ s/, {
        since: back,
        timeoutMs: 60_000,
      });
      assert.match(deadline, new RegExp(`slot A has ${WATCHDOG_S} s`), 'the old slot boots with the usual deadline');
      await webUp();
      const u = await waitUpdate((x) => x.step === 'done' || x.step === 'failed', 300_000);
      assert.equal(u.step, 'failed');
      assert.match(u.error ?? '', /did not start on slot B: the device went back to slot A/);
      const s = await status();
      assert.equal(s.version, running);
      assert.equal(s.booted, 'A');
      assert.equal(s.slots.find((x) => x.bootname === 'B')?.bootStatus, 'bad');
      await vm.waitForConsole(MARKED_GOOD, { since: back, timeoutMs: 120_000 });
      // the cloud is told: the job left IN_PROGRESS (rebooting) across the boots ends FAILED with the reason
      const { states, last } = await cloudJob('fw-cloud-broken', 120_000);
      console.log(`# cloud job states seen by the operator tool: ${states.join(', ')}`);
      assert.equal(last?.status, 'FAILED', JSON.stringify(last));
      assert.match(String(last?.details), /did not start on slot B: the device went back to slot A/);
    } finally {
      await vm.run('rm -f /data/boot/watchdog; sync').catch(() => {});
    }
  });
});
