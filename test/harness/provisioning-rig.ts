/**
 * The provisioning module on a temp data dir with a real config store and bus (no agent): what the
 * provisioning tests and the bench drive. Every config change is recorded as the bus carries it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus } from '../../agent/bus.ts';
import { type ConfigChange, ConfigStore } from '../../agent/config/index.ts';
import { Provisioning, type ProvisioningDeps } from '../../agent/provisioning/index.ts';
import { type Clock, RealClock, silentLogger } from '../../core/index.ts';

export const MAC = '0C:11:05:AB:CD:01';
export const MAC_LOWER = '0c1105abcd01.cfg';
export const MAC_UPPER = '0C1105ABCD01.cfg';

export type ProvisioningRig = {
  dataDir: string;
  store: ConfigStore;
  bus: Bus;
  prov: Provisioning;
  changes: ConfigChange[];
  calls: { open: number };
  close(): Promise<void>;
};

export async function provisioningRig(
  opts: { config?: Record<string, unknown>; clock?: Clock } & Partial<
    Pick<ProvisioningDeps, 'random' | 'limits' | 'dhcpFile' | 'afterProvisioning' | 'fetch' | 'pnp'>
  > = {},
): Promise<ProvisioningRig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'portier-prov-'));
  const clock = opts.clock ?? new RealClock();
  const store = new ConfigStore({ dataDir, clock, log: silentLogger() });
  await store.load();
  await store.apply({ identity: { mac: MAC }, ...opts.config }, 'test');
  const bus = new Bus();
  const changes: ConfigChange[] = [];
  store.events.on('changed', (c) => bus.emit('config.changed', c));
  bus.on('config.changed', (c) => changes.push(c));
  const calls = { open: 0 };
  const { config: _c, clock: _k, ...rest } = opts;
  const prov = new Provisioning({
    dataDir,
    store,
    bus,
    clock,
    log: silentLogger(),
    busy: () => calls.open > 0,
    ...rest,
  });
  return {
    dataDir,
    store,
    bus,
    prov,
    changes,
    calls,
    async close() {
      await prov.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
