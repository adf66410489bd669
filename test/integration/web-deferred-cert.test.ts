/**
 * The device's HTTPS certificate is not needed for the door when HTTPS is off: the web API answers
 * first, the certificate is made after (docs/footprint.md); the API still gives its fingerprint.
 * With HTTPS on, it is made before the HTTPS listener, which needs it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startAgent, until } from '../harness/agent.ts';

it('HTTPS off: the API listens first, the certificate is made after, and system info waits for it', async (t) => {
  const a = await startAgent();
  t.after(() => a.stop());
  const listening = a.logs.findIndex((l) => l.msg === 'web UI and API listening');
  const generated = await until(() => {
    const i = a.logs.findIndex((l) => l.msg === 'generated the device HTTPS certificate');
    return i >= 0 ? i + 1 : 0;
  }, 'the certificate');
  assert.ok(listening >= 0);
  assert.ok(generated - 1 > listening, 'made after the server listens');
});

it('HTTPS on: the certificate is made before the HTTPS listener', async (t) => {
  const { freePort } = await import('../harness/agent.ts');
  const a = await startAgent({ config: { web: { https: true, httpsPort: await freePort() } } });
  t.after(() => a.stop());
  const generated = a.logs.findIndex((l) => l.msg === 'generated the device HTTPS certificate');
  const listening = a.logs.findIndex((l) => l.msg === 'web UI and API listening');
  assert.ok(generated >= 0 && generated < listening, 'made before listening');
});
