/**
 * Firmware updates on the emulated door phone with A/B slots (`make bundle`'s disks: slot A, slot B,
 * data; the boot stage initramfs picks the slot, RAUC with its custom backend installs), in two
 * parts, each its own test file so that each stays under the suite's per-file timeout:
 * `updates` (firmware.test.ts) and `rollback` (firmware-rollback.test.ts). One VM serves every check
 * of a part, in order, rebooting in place: the bundles are served by this test over HTTP
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
import { type Mosquitto, startMosquitto } from '../harness/mosquitto.ts';
import { fleet } from '../integration/cloud-support.ts';
import { DoorPhoneVm, IMAGE_DIR } from '../qemu/vm.ts';

const REPO = resolve(import.meta.dirname, '../..');
const AB = join(IMAGE_DIR, 'ab');
const NEW_VERSION = '0.2.0-fwtest';
const THIRD_VERSION = '0.3.0-fwtest';
const BROKEN_VERSION = '0.4.0-broken';
/** Seconds a boot has to mark its slot good before the boot watchdog reboots (portier.watchdog). */
const WATCHDOG_S = 60;
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
let broker: Mosquitto;
/** The VM's device id: its NIC's MAC (QEMU's default 52:54:00:12:34:56), as the agent takes it. */
const DEVICE = '525400123456';
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

/** The checks of one part (see the top of this file). */
export function firmwareSuite(part: 'updates' | 'rollback'): void {
  const updates = part === 'updates';
  describe(`firmware updates (QEMU, RAUC A/B slots): ${part}`, () => {
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'portier-fw-'));
      if (!updates) {
        // the A/B disks and a version whose agent exits at once
        bundle(['--version', BROKEN_VERSION, '--agent-cmd', 'exit 3', '--out', join(dir, 'broken.raucb')]);
      } else {
        // the A/B disks, bundles of two new versions, and one signed with another key
        bundle(['--version', NEW_VERSION, '--out', join(dir, 'new.raucb')]);
        bundle(['--version', THIRD_VERSION, '--out', join(dir, 'third.raucb')]);
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
      }
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

    (updates ? it : it.skip)(
      'boots slot A, passes its health checks and marks it good (RAUC custom backend, boot state on the data disk)',
      async () => {
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
      },
    );

    (updates ? it : it.skip)(
      'refuses a bundle signed with another key: the update FAILED with the reason, slot B untouched',
      async () => {
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
      },
    );

    (updates ? it : it.skip)(
      'installs a signed bundle from a URL, reboots into slot B, the new version runs and is marked good; config, token and door log kept',
      async () => {
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
        // the reboot may be quick: the poll can miss `rebooting` (the console shows the new slot boot)
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
      },
    );

    (updates ? it : it.skip)(
      'QEMU killed while installing: the old slot boots and works, the update is failed; a second try succeeds',
      async () => {
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

        seen.length = 0;
        const again = await api<{ result: Update }>('POST', '/api/v1/firmware', {
          url: 'http://10.0.2.100:8000/third.raucb',
          version: THIRD_VERSION,
        });
        assert.equal(again.status, 202, JSON.stringify(again.json));
        const mark = vm.mark();
        // the reboot may be quick: the poll can miss `rebooting` (the console shows the new slot boot)
        await waitUpdate((x) => ['rebooting', 'verifying-new-slot', 'done', 'failed'].includes(x.step), 300_000);
        await vm.waitForConsole(/portier-boot: booting slot A/, { since: mark, timeoutMs: 120_000 });
        await webUp();
        const u = await waitUpdate((x) => x.step === 'done' || x.step === 'failed', 300_000);
        assert.equal(u.step, 'done', JSON.stringify(u));
        const after = await status();
        assert.equal(after.version, THIRD_VERSION);
        assert.equal(after.booted, 'A');
      },
    );

    (updates ? it.skip : it)(
      'a version whose agent exits at once: after its boot attempts the old slot boots again and reports the failure',
      async () => {
        seen.length = 0;
        const mark = vm.mark();
        await vm.waitForConsole(MARKED_GOOD, { timeoutMs: 180_000 });
        const running = (await status()).version;
        const r = await api<{ result: Update }>('POST', '/api/v1/firmware', {
          url: 'http://10.0.2.100:8000/broken.raucb',
        });
        assert.equal(r.status, 202, JSON.stringify(r.json));
        await waitUpdate((x) => x.step === 'rebooting' || x.step === 'failed', 300_000);
        // three boots of B (the agent exits, nobody marks it good, the watchdog reboots), then A
        for (const attempt of [1, 2, 3]) {
          await vm.waitForConsole(new RegExp(`portier-boot: booting slot B \\(/dev/vdb, attempt ${attempt} of 3`), {
            since: mark,
            timeoutMs: 180_000,
          });
          await vm.waitForConsole(/portier-vm: the agent exited \(status 3\)/, { since: mark, timeoutMs: 120_000 });
        }
        await vm.waitForConsole(/portier-boot: slot B skipped \(good=1, attempts=3 of 3\)/, {
          since: mark,
          timeoutMs: (WATCHDOG_S + 120) * 1000,
        });
        await vm.waitForConsole(/portier-boot: booting slot A/, { since: mark, timeoutMs: 60_000 });
        await webUp();
        const u = await waitUpdate((x) => x.step === 'done' || x.step === 'failed', 300_000);
        assert.equal(u.step, 'failed');
        assert.match(u.error ?? '', /did not start on slot B: the device went back to slot A/);
        const s = await status();
        assert.equal(s.version, running);
        assert.equal(s.booted, 'A');
        assert.equal(s.slots.find((x) => x.bootname === 'B')?.bootStatus, 'bad');
      },
    );

    (updates ? it : it.skip)(
      "the cloud's firmware job with notBefore through mosquitto: QUEUED, the steps, SUCCEEDED once the new version was marked good",
      async () => {
        const creds = broker.device(DEVICE);
        await vm.sh(
          `portier config set cloud.enabled=true cloud.brokerUrl=mqtt://10.0.2.100:1883 cloud.connectType=tcp cloud.username=${creds.username} cloud.password=${creds.password}`,
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
          ...['firmware', DEVICE, 'http://10.0.2.100:8000/new.raucb', '--version', NEW_VERSION],
          ...['--at', at, '--no-wait', '--job-id', 'fw-cloud-1'],
        );
        assert.equal(job.code, 0, job.out + job.err);
        const states: string[] = [];
        let last: { status: string; step?: string; details?: unknown } | undefined;
        const end = Date.now() + 600_000;
        while (Date.now() < end) {
          const r = await fleet(broker, 'jobs', DEVICE, '--json');
          const row = (
            JSON.parse(r.out || '[]') as { jobId: string; status: string; step?: string; details?: unknown }[]
          ).find((x) => x.jobId === 'fw-cloud-1');
          if (row) {
            last = row;
            const key = `${row.status}${row.step ? ` ${row.step}` : ''}`;
            if (states.at(-1) !== key) states.push(key);
            if (['SUCCEEDED', 'FAILED', 'REJECTED'].includes(row.status)) break;
          }
          await delay(1000);
        }
        console.log(`# cloud job states seen by the operator tool: ${states.join(', ')}`);
        assert.equal(last?.status, 'SUCCEEDED', JSON.stringify(last));
        assert.deepEqual(last?.details, { version: NEW_VERSION, slot: 'B' });
        assert.equal(states[0], 'QUEUED', 'waits for notBefore');
        for (const step of ['downloading', 'installing', 'rebooting'])
          assert.ok(
            states.some((x) => x.startsWith(`IN_PROGRESS ${step}`)),
            `${step} seen: ${states.join(', ')}`,
          );
        const s = await status();
        assert.equal(s.version, NEW_VERSION);
        assert.equal(s.booted, 'B');
      },
    );
  });
}
