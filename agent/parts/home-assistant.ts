/** The Home Assistant part: MQTT discovery on the smart home's broker (agent/integrations). */
import { networkInterfaces } from 'node:os';
import type { AgentContext, Part } from '../context.ts';
import { VERSION } from '../version.ts';
import { onDemandModule } from './on-demand.ts';

/** Loaded (with the MQTT client) when `homeAssistant.enabled` is on: agent/parts/on-demand.ts. */
export const homeAssistantPart: Part = (ctx) => {
  const ha = onDemandModule(ctx, {
    name: 'home-assistant',
    wanted: (c) => c.homeAssistant.enabled,
    load: async () => new (await import('../integrations/index.ts')).HomeAssistant(haDeps(ctx)),
  });
  ctx.services.homeAssistant = {
    status: () => ha.loaded()?.status() ?? { state: 'disabled', attempts: 0, entities: 0 },
  };
  return [ha];
};

function haDeps(ctx: AgentContext) {
  return {
    config: ctx.config,
    bus: ctx.bus,
    clock: ctx.clock,
    log: ctx.log.child({ module: 'home-assistant' }),
    version: VERSION,
    door: () => ctx.services.door,
    relays: () => ctx.services.relays?.states() ?? [],
    inputs: () => ctx.services.inputs?.states() ?? [],
    sip: () => ctx.services.sip,
    webUrl: () => webUrl(ctx),
    firmware: () => ctx.services.firmware,
  };
}

/** The device's web UI as the LAN reaches it (HTTPS when on). */
function webUrl(ctx: AgentContext): string {
  const w = ctx.config.get().web;
  const bind = ctx.options.bind ?? (ctx.options.dev ? '127.0.0.1' : '0.0.0.0');
  const host = bind === '0.0.0.0' || bind === '::' ? firstIpv4() : bind.includes(':') ? `[${bind}]` : bind;
  return w.https ? `https://${host}:${w.httpsPort}/` : `http://${host}:${w.port}/`;
}

function firstIpv4(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? []) if (!i.internal && i.family === 'IPv4') return i.address;
  return '127.0.0.1';
}
