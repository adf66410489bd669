/**
 * `portier autop run`: one provisioning run now, in the CLI's process, on the data dir (the config
 * store's lock serializes it with a running agent, which then follows the change). The cloud's
 * standing commands are applied again after it, as the agent does. The CLI cannot see the agent's
 * calls: it does not wait for idle (run it from the agent's API for that).
 */
import { join } from 'node:path';
import type { Clock, Logger } from '../../core/index.ts';
import { Bus } from '../bus.ts';
import { StandingCommands } from '../cloud/standing.ts';
import type { ConfigStore } from '../config/index.ts';
import { DHCP_OPTIONS_FILE } from './dhcp.ts';
import { Provisioning } from './provisioning.ts';
import type { RunRecord } from './types.ts';

export async function runFromCli(deps: {
  dataDir: string;
  store: ConfigStore;
  clock: Clock;
  log: Logger;
  dhcpOptionsFile?: string;
}): Promise<RunRecord> {
  const standing = new StandingCommands({
    file: join(deps.dataDir, 'cloud', 'standing.cfg'),
    store: deps.store,
    log: deps.log,
  });
  await standing.load();
  const prov = new Provisioning({
    dataDir: deps.dataDir,
    store: deps.store,
    bus: new Bus(),
    clock: deps.clock,
    log: deps.log,
    busy: () => false,
    dhcpFile: deps.dhcpOptionsFile ?? DHCP_OPTIONS_FILE,
    afterProvisioning: () => standing.reapply(),
  });
  return prov.trigger('cli').record;
}

/** The record as lines for people. */
export function formatRecord(r: RunRecord): string {
  const lines = [`run ${r.id}: ${r.outcome}${r.url ? ` (${r.url}, from ${r.source})` : ''}`];
  for (const f of r.files)
    lines.push(`  ${f.name}: ${f.status}${f.sha256 ? ` sha256 ${f.sha256}` : ''}${f.error ? ` (${f.error})` : ''}`);
  if (r.error) lines.push(r.error);
  lines.push(...r.problems);
  if (r.outcome === 'applied') lines.push(r.changed.length ? `changed: ${r.changed.join(', ')}` : 'no setting changed');
  if (r.standing?.problems.length) lines.push('standing commands of the cloud:', ...r.standing.problems);
  return lines.join('\n');
}
