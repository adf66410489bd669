/**
 * The auto-provisioning part: builds the provisioning module from the context and offers its
 * service. Runs wait for the SIP engine's calls to end; after each provisioning the cloud link's
 * standing commands are applied again (agent/cloud/standing.ts), so a server file cannot undo them.
 */
import { networkInterfaces } from 'node:os';
import type { Part } from '../context.ts';
import { DHCP_OPTIONS_FILE, discoverPnp, Provisioning } from '../provisioning/index.ts';
import { VERSION } from '../version.ts';

export const provisioningPart: Part = (ctx) => {
  const provisioning = new Provisioning({
    dataDir: ctx.options.dataDir,
    store: ctx.config,
    bus: ctx.bus,
    clock: ctx.clock,
    log: ctx.log.child({ module: 'provisioning' }),
    busy: () => ctx.callsInProgress() > 0,
    dhcpFile: ctx.options.dhcpOptionsFile ?? DHCP_OPTIONS_FILE,
    pnp: () => {
      const c = ctx.config.get();
      return discoverPnp({
        mac: c.identity.mac,
        localIp: firstIpv4(),
        vendor: 'Portier',
        model: c.identity.model,
        version: VERSION,
      });
    },
    afterProvisioning: async () =>
      ctx.services.cloud ? ctx.services.cloud.afterProvisioning() : { applied: 0, problems: [] },
  });
  ctx.services.provisioning = provisioning.service();
  return [provisioning];
};

function firstIpv4(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? []) if (!i.internal && i.family === 'IPv4') return i.address;
  return '127.0.0.1';
}
