/**
 * The agent's outbound HTTP does not load undici (the global `fetch`): its first call keeps ~12 MB
 * of RSS for good (core/http-client.ts). Each path runs once in a fresh node process
 * (test/fixtures/outbound-http.ts), which then lists the undici modules it loaded.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'outbound-http.ts');

async function run(...args: string[]) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', FIXTURE, ...args], {
    timeout: 60_000,
  });
  return JSON.parse(stdout) as { results: Record<string, unknown>; seen: string[]; undici: string[] };
}

describe('outbound HTTP without fetch', () => {
  it('an HTTP action, a door unlock, an autop file, the health check and a firmware download load no undici', async () => {
    const r = await run();
    assert.deepEqual(r.results, {
      httpGet: 200,
      httpUnlock: 'opened',
      fetchFile: 'Config.Settings.X=1\n',
      health: 'answers',
      download: 100_000,
    });
    assert.deepEqual(r.seen, [
      'GET /action',
      'GET /action-done',
      'POST /api/v1/relays/1/trigger',
      'GET /autop.cfg',
      'GET /api/v1/auth/state',
      'GET /bundle.raucb',
    ]);
    assert.deepEqual(r.undici, []);
  });

  it('the detection works: one call of the global fetch shows undici', async () => {
    const r = await run('--with-fetch');
    assert.equal(r.results.fetch, 200);
    assert.ok(
      r.undici.some((m) => m.includes('undici')),
      `undici is in process.moduleLoadList after fetch: ${r.undici}`,
    );
  });
});
