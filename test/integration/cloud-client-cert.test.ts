/**
 * TLS with a client certificate: the broker requires a certificate signed by its CA and takes its
 * common name (the device id) as the username, so the per-device ACL applies without a password.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startAgent, until } from '../harness/agent.ts';
import { startMosquitto } from '../harness/mosquitto.ts';
import { stopAll } from '../harness/processes.ts';
import { cloudConfig, deviceId, fleet } from './cloud-support.ts';

it('connect type tls with a client certificate and no password: online, listed by the operator', async (t) => {
  const id = deviceId(0xcc);
  const broker = await startMosquitto({ devices: [id], certListener: true });
  t.after(async () => {
    await stopAll();
    await broker.close();
  });
  const { certFile, keyFile } = await broker.clientCert(id);
  const base = cloudConfig(broker, id);
  const cloud = { ...(base.cloud as object), brokerUrl: broker.certUrl, username: '', password: '', certFile, keyFile };
  const agent = await startAgent({ config: { ...base, cloud } });
  t.after(() => agent.stop());
  const link = agent.agent.ctx.services.cloud!;
  await until(() => link.status().state === 'online', 'online with the client certificate', 400);
  assert.match(link.status().broker!, /\(client certificate\)$/);
  assert.match((await fleet(broker, 'devices')).out, new RegExp(`^${id}\\s.*\\syes\\s+20`, 'm'));
  // without the certificate the broker refuses the TLS handshake
  await agent.agent.ctx.config.apply({ cloud: { certFile: '', keyFile: '' } }, 'api');
  await until(() => link.status().state === 'waiting', 'refused without a certificate', 400);
});
