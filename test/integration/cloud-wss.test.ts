/**
 * The `wss` connect type: MQTT over a WebSocket over TLS, the server certificate verified against
 * the CA of the config. Debian's mosquitto 2.0.11 is built without a working websockets listener,
 * so the test puts a WebSocket-to-TCP relay (TLS, the test's certificate) in front of the real
 * broker's TCP listener: the broker is still the real one, and the device's side is all real.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { it } from 'node:test';
import { WebSocketServer } from 'ws';
import { startAgent, until } from '../harness/agent.ts';
import { startMosquitto } from '../harness/mosquitto.ts';
import { freeTcpPort } from '../harness/ports.ts';
import { stopAll } from '../harness/processes.ts';
import { cloudConfig, deviceId, fleet } from './cloud-support.ts';

it('connect type wss: the device connects through a WebSocket over TLS and is listed online', async (t) => {
  const id = deviceId(0x55);
  const broker = await startMosquitto({ devices: [id], tcp: true });
  t.after(async () => {
    await stopAll();
    await broker.close();
  });
  const tcpPort = Number(new URL(broker.tcpUrl!).port);
  const https = createServer({
    cert: await readFile(join(broker.dir, 'tls', 'server.crt')),
    key: await readFile(join(broker.dir, 'tls', 'server.key')),
  });
  const wss = new WebSocketServer({ server: https, path: '/mqtt', handleProtocols: () => 'mqtt' });
  let relayed = 0;
  wss.on('connection', (ws) => {
    relayed++;
    const sock = tcpConnect(tcpPort, '127.0.0.1');
    ws.on('message', (data: Buffer) => sock.write(data));
    sock.on('data', (d) => ws.send(d));
    ws.on('close', () => sock.destroy());
    sock.on('close', () => ws.close());
    sock.on('error', () => ws.close());
  });
  const port = await freeTcpPort();
  await new Promise<void>((r) => https.listen(port, '127.0.0.1', r));
  t.after(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    https.close();
  });
  const base = cloudConfig(broker, id);
  const agent = await startAgent({
    config: { ...base, cloud: { ...(base.cloud as object), connectType: 'wss', brokerUrl: `wss://127.0.0.1:${port}` } },
  });
  t.after(() => agent.stop());
  const cloud = agent.agent.ctx.services.cloud!;
  await until(() => cloud.status().state === 'online', 'online over wss', 400);
  assert.equal(cloud.status().broker, `wss://127.0.0.1:${port}/mqtt as ${id}`);
  assert.ok(relayed >= 1, 'through the WebSocket');
  const list = await fleet(broker, 'devices');
  assert.match(list.out, new RegExp(`^${id}\\s.*\\syes\\s+20`, 'm'));
  // a CA that did not sign the server's certificate: refused, and retried
  await agent.agent.ctx.config.apply({ cloud: { caFile: join(broker.dir, 'tls', 'server.crt') } }, 'api');
  await until(() => cloud.status().state === 'waiting', 'refused', 400);
  assert.match(cloud.status().lastError!, /certificate|self.signed|issuer/i);
});
