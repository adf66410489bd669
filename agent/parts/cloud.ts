/**
 * The cloud link part: builds the cloud module from the context and offers its service. Its code
 * (and the MQTT client) is loaded when `cloud.enabled` is on, at start or when it is turned on
 * (agent/parts/on-demand.ts); until then the service says `disabled`, and the hook of
 * auto-provisioning loads it when a cloud left standing commands on the device (to apply them).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cloud } from '../cloud/index.ts';
import { standingFile } from '../cloud/standing.ts';
import type { AgentContext, Part } from '../context.ts';
import { onDemandModule } from './on-demand.ts';

const hasStandingCommands = (dataDir: string) =>
  stat(standingFile(dataDir)).then(
    (s) => s.size > 0,
    () => false,
  );

async function buildCloud(ctx: AgentContext): Promise<Cloud> {
  const [{ Cloud }, { firmwareJobHandler }, { JsonlLog }] = await Promise.all([
    import('../cloud/index.ts'),
    import('../firmware/index.ts'),
    import('../logs/index.ts'),
  ]);
  const cloud: Cloud = new Cloud({
    dataDir: ctx.options.dataDir,
    config: ctx.config,
    bus: ctx.bus,
    clock: ctx.clock,
    log: ctx.log.child({ module: 'cloud' }),
    firmware: ctx.firmwareVersion,
    calls: ctx.callsInProgress,
    sip: () => {
      const regs = ctx.services.sip?.registrations() ?? [];
      return { accounts: regs.length, registered: regs.filter((r) => r.state === 'registered').length };
    },
    restart: () => ctx.restart(),
    inbox: new JsonlLog(join(ctx.options.dataDir, 'inbox', 'messages.jsonl')),
    handlers: {
      firmware: firmwareJobHandler({
        firmware: () => ctx.services.firmware,
        bootId: () => cloud.bootId,
        settle: (id, outcome) => cloud.runner.settle(id, outcome),
        note: (id, step) => cloud.runner.note(id, step),
      }),
    },
  });
  return cloud;
}

export const cloudPart: Part = (ctx) => {
  const module = onDemandModule(ctx, {
    name: 'cloud',
    wanted: (c) => c.cloud.enabled,
    load: () => buildCloud(ctx),
  });
  ctx.services.cloud = {
    status: () =>
      module.loaded()?.service().status() ?? {
        state: 'disabled',
        attempts: 0,
        bootId: '',
      },
    // a cloud that never left standing commands is not loaded for them
    afterProvisioning: async () =>
      module.loaded() || (await hasStandingCommands(ctx.options.dataDir))
        ? (await module.load()).service().afterProvisioning()
        : { applied: 0, problems: [], keys: [] },
  };
  return [module];
};
