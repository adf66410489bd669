/**
 * Firmware updates on the emulated door phone with A/B slots (`make bundle`'s disks: slot A, slot B,
 * data; the boot stage initramfs picks the slot, RAUC with its custom backend installs). One VM
 * serves every check, in order, rebooting in place: the bundles are served by this test over HTTP
 * on the host (the guest reaches it at 10.0.2.100 through QEMU's guestfwd), the agent is driven
 * through its API with an admin token made at first-run setup (kept on the data disk).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DoorPhoneVm, IMAGE_DIR } from './vm.ts';

const REPO = resolve(import.meta.dirname, '../..');
const AB = join(IMAGE_DIR, 'ab');
const NEW_VERSION = '0.2.0-fwtest';
/** The marker the agent logs once this boot's health checks passed and the slot was marked good. */
const MARKED_GOOD = /"msg":"firmware: health checks passed, slot marked good"/;

type Update = { step: string; percent?: number; error?: string; bundleVersion?: string; targetSlot?: string };
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
/** Every update state the test saw over the API, in order. */
const seen: string[] = [];

function bundle(args: string[]): void {
  execFileSync('bash', [join(REPO, 'rootfs/bundle.sh'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
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

describe('firmware updates (QEMU, RAUC A/B slots)', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portier-fw-'));
    // the A/B disks, a bundle of a new version, and the same bundle signed with another key
    bundle(['--version', NEW_VERSION, '--out', join(dir, 'new.raucb')]);
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=Not the device keyring'],
        ...['-keyout', join(dir, 'other.key.pem'), '-out', join(dir, 'other.cert.pem')],
      ],
      { stdio: 'ignore' },
    );
    const ab = JSON.parse(await readFile(join(AB, 'ab.json'), 'utf8')) as { cert: string };
    execFileSync(
      'rauc',
      [
        'resign',
        `--keyring=${ab.cert}`,
        `--signing-keyring=${join(dir, 'other.cert.pem')}`,
        `--cert=${join(dir, 'other.cert.pem')}`,
        `--key=${join(dir, 'other.key.pem')}`,
        join(dir, 'new.raucb'),
        join(dir, 'other-key.raucb'),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    for (const d of ['slot-a', 'slot-b', 'data'])
      execFileSync('cp', ['--sparse=always', join(AB, `${d}.img`), join(dir, `${d}.img`)]);

    server = createServer((req, res) => {
      const file = join(dir, (req.url ?? '/').replace(/^\/+/, ''));
      if (!/^\/[a-z-]+\.raucb$/.test(req.url ?? '')) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': statSync(file).size, 'content-type': 'application/octet-stream' });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    vm = await DoorPhoneVm.boot({
      initrd: join(AB, 'boot.cpio'),
      drives: ['slot-a', 'slot-b', 'data'].map((d) => join(dir, `${d}.img`)),
      reboot: true,
      hostServices: { 8000: (server.address() as AddressInfo).port },
    });
    token = await adminToken();
  });

  after(async () => {
    await vm?.stop();
    server?.close();
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

  it('refuses a bundle signed with another key: the update FAILED with the reason, slot B untouched', async () => {
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

  it('installs a signed bundle from a URL, reboots into slot B, the new version runs and is marked good; config, token and door log kept', async () => {
    // data from before: a config change and a door opening (exit button → relay → door log)
    await vm.sh('portier config set identity.location="Firmware lobby"');
    await vm.gpio.press('EXIT_BUTTON');
    await vm.gpio.wait('RELAY_A', 1);
    await vm.gpio.release('EXIT_BUTTON');
    let doorLog: unknown[] = [];
    for (let i = 0; i < 50 && doorLog.length === 0; i++) {
      doorLog = (await api<{ result: { entries: unknown[] } }>('GET', '/api/v1/logs/door')).json.result.entries;
      if (!doorLog.length) await delay(200);
    }
    assert.equal(doorLog.length, 1, 'the exit button opened the door once');

    seen.length = 0;
    const t0 = Date.now();
    const r = await api<{ result: Update }>('POST', '/api/v1/firmware', { url: 'http://10.0.2.100:8000/new.raucb' });
    assert.equal(r.status, 202, JSON.stringify(r.json));
    const busy = await api<{ error: { code: string; message: string } }>('POST', '/api/v1/firmware', {
      url: 'http://10.0.2.100:8000/new.raucb',
    });
    assert.equal(busy.status, 409, 'one update at a time');
    assert.match(busy.json.error.message, /already in progress/);

    const mark = vm.mark();
    await waitUpdate((x) => x.step === 'rebooting' || x.step === 'failed', 300_000);
    await vm.waitForConsole(/portier-boot: booting slot B/, { since: mark, timeoutMs: 120_000 });
    const installed = Date.now() - t0;
    await vm.waitForConsole(/portier-vm: ready/, { since: mark, timeoutMs: 120_000 });
    await webUp();
    const u = await waitUpdate((x) => x.step === 'done' || x.step === 'failed', 300_000);
    assert.equal(u.step, 'done', JSON.stringify(u));
    console.log(`# install + reboot ${installed} ms; steps seen: ${seen.join(', ')}`);
    for (const step of ['downloading', 'verifying', 'installing', 'rebooting', 'done'])
      assert.ok(
        seen.some((x) => x.startsWith(step)),
        `step ${step} seen (${seen.join(', ')})`,
      );

    const s = await status();
    assert.equal(s.version, NEW_VERSION);
    assert.equal(s.booted, 'B');
    assert.equal(s.health.passed, true);
    assert.deepEqual(
      s.slots.map((x) => [x.bootname, x.state, x.bootStatus, x.version ?? '']),
      [
        ['A', 'inactive', 'good', ''],
        ['B', 'booted', 'good', NEW_VERSION],
      ],
    );
    assert.match(await vm.sh('cat /data/boot/state'), /BOOT_ORDER="B A"\nA_OK=1\nA_TRY=\d\nB_OK=1\nB_TRY=0/);
    assert.equal((await vm.sh('cat /etc/portier/firmware-version')).trim(), NEW_VERSION);
    // the data disk was not touched: the token still works (it made these requests), config and log
    assert.match(await vm.sh('portier config get identity.location'), /Firmware lobby/);
    const after = (await api<{ result: { entries: unknown[] } }>('GET', '/api/v1/logs/door')).json.result.entries;
    assert.deepEqual(after, doorLog);
  });
});
