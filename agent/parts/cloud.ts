/** The cloud link part: builds the cloud module from the context and offers its service. */
import { join } from 'node:path';
import { Cloud, type InboxMessage } from '../cloud/index.ts';
import type { Part } from '../context.ts';
import { firmwareJobHandler } from '../firmware/index.ts';
import { JsonlLog } from '../logs/index.ts';

export const cloudPart: Part = (ctx) => {
  const cloud = new Cloud({
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
    inbox: new JsonlLog<InboxMessage>(join(ctx.options.dataDir, 'inbox', 'messages.jsonl')),
    handlers: {
      firmware: firmwareJobHandler({
        firmware: () => ctx.services.firmware,
        bootId: () => cloud.bootId,
        settle: (id, outcome) => cloud.runner.settle(id, outcome),
        note: (id, step) => cloud.runner.note(id, step),
      }),
    },
  });
  ctx.services.cloud = cloud.service();
  return [cloud];
};
