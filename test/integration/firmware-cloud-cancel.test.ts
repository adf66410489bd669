/**
 * Cancel of the cloud's firmware job end to end: a real mosquitto, the operator tool (`portier
 * fleet`), an agent in-process whose firmware updates run against a fake `rauc` CLI (the real one
 * runs in the VM: test/qemu-firmware) and a real HTTP server on 127.0.0.1 serving the bundle.
 * A job waiting for its notBefore is CANCELED (its version was offered meanwhile, then withdrawn);
 * a job downloading is CANCELED, the partial download removed, the running slot untouched; a job
 * whose install has started refuses the cancel with the reason and goes on to the reboot.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Firmware, Rauc } from '../../agent/firmware/index.ts';
import { RealClock, silentLogger } from '../../core/index.ts';
import { startAgent, type TestAgent, until } from '../harness/agent.ts';
import { FakeRaucCli } from '../harness/fake-rauc.ts';
import { type Mosquitto, startMosquitto } from '../harness/mosquitto.ts';
import { cloudConfig, deviceId, fleet } from './cloud-support.ts';

const DOOR = deviceId(0xf7);
const BUNDLE = Buffer.alloc(256 * 1024, 3);
const SHA = createHash('sha256').update(BUNDLE).digest('hex');

let broker: Mosquitto;
let t: TestAgent;
let http: Server;
let base: string;
let rauc: FakeRaucCli;
let fw: Firmware;
let fwDir: string;
let reboots = 0;
const requests: string[] = [];
/** Responses of /slow.raucb held open (a slow server): ended in after(). */
const held = new Set<ServerResponse>();

before(async () => {
  broker = await startMosquitto({ devices: [DOOR] });
  http = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BUNDLE.length) });
    if (req.url === '/slow.raucb') {
      // the first 64 KB, then nothing more until the client goes away
      res.write(BUNDLE.subarray(0, 64 * 1024));
      held.add(res);
      res.on('close', () => held.delete(res));
    } else res.end(BUNDLE);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  t = await startAgent({ config: cloudConfig(broker, DOOR) });
  await until(() => t.agent.ctx.services.cloud!.status().state === 'online', 'cloud link online', 400);
  // the device's firmware updates, with RAUC's CLI faked (this host has no A/B slots)
  rauc = new FakeRaucCli();
  fwDir = join(t.dataDir, 'firmware-ab');
  fw = new Firmware({
    dir: fwDir,
    clock: new RealClock(),
    log: silentLogger(),
    rauc: new Rauc({ exec: rauc.exec }),
    version: '1.0',
    busy: () => false,
    health: async () => undefined,
    reboot: () => {
      reboots++;
    },
  });
  await fw.start();
  await fw.settled();
  t.agent.ctx.services.firmware = fw.service();
});

after(async () => {
  for (const res of held) res.destroy();
  await t?.stop();
  await new Promise((r) => http?.close(r));
  await broker?.close();
});

type Row = { jobId: string; status: string; step?: string; details?: unknown };
async function job(id: string): Promise<Row | undefined> {
  const rows = JSON.parse((await fleet(broker, 'jobs', DOOR, '--json')).out) as Row[];
  return rows.find((r) => r.jobId === id);
}

const exists = (f: string) =>
  stat(f).then(
    () => true,
    () => false,
  );

describe('cloud firmware job: cancel', () => {
  it('waiting for its notBefore: its version is offered, a cancel ends it CANCELED and withdraws the offer', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const id = 'fw-later';
    const q = await fleet(
      broker,
      'firmware',
      DOOR,
      `${base}/ok.raucb`,
      '--version',
      '2.0',
      '--sha256',
      SHA,
      '--at',
      at,
      '--no-wait',
      '--job-id',
      id,
    );
    assert.equal(q.code, 0, q.out + q.err);
    await until(async () => (await job(id))?.status === 'QUEUED', 'queued');
    await until(() => fw.offered()?.jobId === id, 'the offer');
    assert.equal(fw.offered()?.version, '2.0');
    const c = await fleet(broker, 'cancel', DOOR, id);
    assert.equal(c.code, 0, c.out + c.err);
    assert.match(c.out, new RegExp(`${id} CANCELED`));
    await until(() => fw.offered() === undefined, 'the offer withdrawn');
    assert.deepEqual(requests, [], 'nothing was downloaded');
    assert.equal(fw.current(), null, 'no update was started');
  });

  it('downloading: CANCELED, the partial download removed, the running slot untouched', async () => {
    const s = await fleet(
      broker,
      'firmware',
      DOOR,
      `${base}/slow.raucb`,
      '--version',
      '2.0',
      '--no-wait',
      '--job-id',
      'fw-slow',
    );
    assert.equal(s.code, 0, s.out + s.err);
    const partial = join(fwDir, 'bundle.raucb');
    await until(async () => (await stat(partial).catch(() => undefined))?.size === 64 * 1024, 'the partial download');
    assert.equal(fw.current()?.step, 'downloading');
    assert.equal((await job('fw-slow'))?.status, 'IN_PROGRESS');
    const c = await fleet(broker, 'cancel', DOOR, 'fw-slow');
    assert.equal(c.code, 0, c.out + c.err);
    assert.match(c.out, /fw-slow CANCELED cancelled by the cloud/);
    assert.equal(await exists(partial), false, 'the partial download is removed');
    assert.equal(fw.current()?.step, 'canceled');
    assert.ok(!rauc.calls.some((x) => x.startsWith('info') || x.startsWith('install')), rauc.calls.join());
    assert.equal(rauc.primary, 'A');
    assert.equal(reboots, 0);
    await until(() => held.size === 0, 'the download connection closed');
  });

  it('installing: the cancel is refused with the reason, the job goes on to the reboot', async () => {
    rauc.hold('install');
    const s = await fleet(
      broker,
      'firmware',
      DOOR,
      `${base}/ok.raucb`,
      '--version',
      '2.0',
      '--sha256',
      SHA,
      '--no-wait',
      '--job-id',
      'fw-inst',
    );
    assert.equal(s.code, 0, s.out + s.err);
    await rauc.started('install');
    await fleet(broker, 'cancel', DOOR, 'fw-inst');
    const refused = await until(async () => {
      const r = await job('fw-inst');
      return r && /cancel refused/.test(String(r.details)) ? r : undefined;
    }, 'the refusal in the job status');
    assert.equal(refused.status, 'IN_PROGRESS');
    assert.match(String(refused.details), /cancel refused: the job is past its irreversible part \(installing\)/);
    assert.equal(fw.current()?.step, 'installing');
    rauc.release('install');
    await until(() => reboots === 1, 'the reboot');
    assert.equal(rauc.primary, 'B');
    await until(async () => (await job('fw-inst'))?.step === 'rebooting', 'the job committed for the reboot');
    assert.equal((await job('fw-inst'))?.status, 'IN_PROGRESS');
  });
});
