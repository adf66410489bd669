/**
 * The dev run's cloud: a local mosquitto on 127.0.0.1:18830 with the ACL of a real deployment, the
 * dev agent connected to it, and `portier fleet` working at once from the fleet file it writes.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { until } from '../harness/agent.ts';
import { stopAll } from '../harness/processes.ts';
import { fleet, macOf, startRestartableAgent } from './cloud-support.ts';

it('make run: a local broker, the agent connected, `portier fleet devices` and a job at once', async (t) => {
  const id = '0c1105de0001';
  const dev = await startRestartableAgent({ identity: { mac: macOf(id) } }, { devBroker: true });
  t.after(async () => {
    await dev.stop();
    await stopAll();
  });
  const { ctx } = dev.current();
  await until(() => ctx.services.cloud!.status().state === 'online', 'the dev agent online', 400);
  assert.equal(ctx.config.get().cloud.brokerUrl, 'mqtt://127.0.0.1:18830');
  const fleetFile = JSON.parse(await readFile(join(dev.dataDir, 'dev-broker', 'fleet.json'), 'utf8'));
  assert.equal(fleetFile.username, 'operator');
  const list = await fleet(undefined, 'devices', '--data-dir', dev.dataDir);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, new RegExp(`^${id}\\s+Front door\\s+.*door-phone\\s+\\S+\\s+yes\\s+20`, 'm'));
  const cfg = join(dev.dataDir, 'try.cfg');
  await writeFile(cfg, 'Config.DoorSetting.RELAY.RelayAName = Tried\n');
  const job = await fleet(undefined, 'autop', id, cfg, '--once', '--data-dir', dev.dataDir);
  assert.equal(job.code, 0, job.out + job.err);
  assert.equal(ctx.config.get().relays[0]!.name, 'Tried');
});
