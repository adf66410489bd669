/** What a SIGKILLed agent leaves behind: its baresip, holding the SIP port; the next engine ends it. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startEngine } from '../harness/engine.ts';
import { freeSipPort } from '../harness/ports.ts';
import { startProcess, stopAll } from '../harness/processes.ts';

describe('SIP engine after a killed agent', () => {
  after(() => stopAll());

  it('ends the baresip a SIGKILLed agent left behind (it holds the SIP port), then starts', async () => {
    const base = await mkdtemp(join(tmpdir(), 'portier-stale-'));
    const dir = join(base, 'baresip');
    const port = await freeSipPort(2);
    const agent = startProcess('agent', process.execPath, [
      '--import',
      'tsx',
      'test/harness/engine-process.ts',
      dir,
      String(port),
    ]);
    const [, pid] = await agent.waitForOutput(/ready (\d+)/, 20_000);
    agent.child.kill('SIGKILL');
    await agent.exited;
    const orphan = Number(pid);
    assert.doesNotThrow(() => process.kill(orphan, 0), 'its baresip outlived it');
    const e = await startEngine({ settings: { sipPort: port }, deps: { dir } });
    try {
      assert.ok(e.engine.pid && e.engine.pid !== orphan);
      const state = (await readFile(`/proc/${orphan}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.[0];
      assert.ok(state === undefined || state === 'Z', `the orphan is gone (state ${state})`);
    } finally {
      await e.stop();
      await rm(base, { recursive: true, force: true });
    }
  });
});
