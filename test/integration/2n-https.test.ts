/**
 * The 2N API over HTTPS (`web.https`, the device's self-signed certificate), as 2N devices offer
 * it per service: Digest SHA-256 opens the door through the door owner, the door log names the API
 * user; without credentials 401 and nothing happens. The API user is made before the start, in the
 * data dir, as the Security & System page would have stored it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RealClock } from '../../core/index.ts';
import { ApiUserStore } from '../../web/auth/index.ts';
import { DigestClient } from '../harness/digest-client.ts';
import { freePort, startAgent, type TestAgent, until } from './web-support.ts';

const PW = 'gate keeper 42';
let t: TestAgent;
let dataDir: string;
let base: string;
let ca: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'portier-2n-https-'));
  const users = new ApiUserStore({ dataDir, clock: new RealClock() });
  await users.load();
  await users.create('gate', PW, 'door');
  await users.setEnabled(true);
  const httpsPort = await freePort();
  t = await startAgent({ dataDir, config: { web: { https: true, httpsPort } } });
  base = `https://127.0.0.1:${httpsPort}`;
  ca = await readFile(join(dataDir, 'web', 'tls', 'cert.pem'), 'utf8');
});
after(async () => {
  await t?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('2N API over HTTPS', () => {
  it('Digest over HTTPS: switch/ctrl opens, the door log names the API user; no credentials, no effect', async () => {
    const none = new DigestClient(base, { kind: 'basic', user: 'gate', password: 'wrong one' }, { ca });
    assert.equal((await none.get('/api/switch/ctrl?switch=1&action=trigger')).status, 401);
    assert.equal(t.agent.ctx.services.relays!.states()[0]!.on, false);
    const c = new DigestClient(base, { kind: 'digest', user: 'gate', password: PW, algorithm: 'SHA-256' }, { ca });
    const r = await c.get('/api/switch/ctrl?switch=1&action=trigger');
    assert.deepEqual(r.body, { success: true }, r.text);
    assert.equal(c.challenges, 1);
    assert.equal(t.agent.ctx.services.relays!.states()[0]!.on, true);
    const entry = await until(() => t.agent.ctx.services.doorLog!.page({ limit: 1 }).entries[0], 'the door log');
    assert.deepEqual([entry.method, entry.by], ['api', 'api:gate']);
    // the plain HTTP port only redirects to HTTPS
    const plain = await fetch(`${t.base}/api/system/info`, { redirect: 'manual' });
    assert.equal(plain.status, 308);
  });
});
