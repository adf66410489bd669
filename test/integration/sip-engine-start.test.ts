/**
 * A first start that fails (at boot the network address may not be up yet) is not final: the
 * engine reports it, retries with backoff, and becomes ready once baresip can run.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { startEngine } from '../harness/engine.ts';

it('a failed first start is retried until baresip runs', async (t) => {
  const bin = await mkdtemp(join(tmpdir(), 'portier-bin-'));
  const baresip = join(bin, 'baresip'); // missing for now
  const e = await startEngine({ deps: { binary: baresip, restart: { minMs: 50, maxMs: 200, stableMs: 60_000 } } });
  t.after(async () => {
    await e.stop();
    await rm(bin, { recursive: true, force: true });
  });
  const down = await e.waitFor('engine.down');
  assert.match(down.reason, /^the SIP engine did not start: /);
  assert.equal(e.engine.running, false);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(e.of('engine.down').length >= 2, 'it kept trying');
  await symlink('/usr/bin/baresip', baresip);
  await e.waitFor('engine.ready', () => true, 10_000);
  assert.equal(e.engine.running, true);
});
