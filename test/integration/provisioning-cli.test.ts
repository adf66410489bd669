/** `portier autop run`: a run now from the CLI against a real HTTP server, its record printed and kept. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';
import { ProvisioningState } from '../../agent/provisioning/index.ts';
import { type FileServer, startFileServer } from '../harness/http-server.ts';

let dir: string;
let srv: FileServer;

/** Async (the file server answers from this process). */
async function portier(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, ['bin/portier.mjs', ...args, '--data-dir', dir], {
      encoding: 'utf8',
      env: { ...process.env, PORTIER_DHCP_OPTIONS: join(dir, 'no-dhcp') },
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-cli-prov-'));
  srv = await startFileServer();
});
after(async () => {
  await srv.close();
  await rm(dir, { recursive: true, force: true });
});

it('runs now, prints the record, exits 1 when rejected', async () => {
  const none = await portier('autop', 'run');
  assert.equal(none.code, 1);
  assert.match(none.out, /^run 1: no-server/);
  assert.equal(
    (await portier('config', 'set', 'identity.mac=0C:11:05:00:00:07', `cloud.autopUrl=${srv.base}/p/`)).code,
    0,
  );
  srv.files.set('/p/common.cfg', 'Config.Features.DOORPHONE.MaxCallTime = 4\n');
  const ok = await portier('autop', 'run');
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^run 2: applied \(http:\/\/127\.0\.0\.1:\d+\/p\/, from static\)$/m);
  assert.match(ok.out, /^ {2}common\.cfg: fetched sha256 [0-9a-f]{64}$/m);
  assert.match(ok.out, /^changed: intercom\.maxCallTime$/m);
  assert.equal((await portier('config', 'get', 'intercom.maxCallTime')).out.trim(), '4');
  srv.files.set('/p/0c1105000007.cfg', 'Config.Features.DOORPHONE.MaxCallTime = 0\n');
  const bad = await portier('autop', 'run');
  assert.equal(bad.code, 1);
  assert.match(bad.out, /^0c1105000007\.cfg line 1: Config\.Features\.DOORPHONE\.MaxCallTime: must be at least 1$/m);
  assert.equal((await portier('config', 'get', 'intercom.maxCallTime')).out.trim(), '4');
  const kept = await new ProvisioningState(dir).read();
  assert.deepEqual(
    kept.runs.map((r) => [r.id, r.trigger, r.outcome]),
    [
      [3, 'cli', 'rejected'],
      [2, 'cli', 'applied'],
      [1, 'cli', 'no-server'],
    ],
  );
});
