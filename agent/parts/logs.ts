/** The call log and the door log, fed from the bus and offered to the other parts. */
import { join } from 'node:path';
import type { Module } from '../../core/index.ts';
import type { Part } from '../context.ts';
import { type CallLogEntry, callLogEntry, type DoorLogEntry, JsonlLog } from '../logs/index.ts';

export const logsPart: Part = (ctx) => {
  const callLog = new JsonlLog<CallLogEntry>(join(ctx.options.dataDir, 'logs', 'calls.jsonl'));
  const doorLog = new JsonlLog<DoorLogEntry>(join(ctx.options.dataDir, 'logs', 'door.jsonl'));
  ctx.services.callLog = callLog;
  ctx.services.doorLog = doorLog;
  const log = ctx.log.child({ module: 'logs' });
  const offs: (() => void)[] = [];
  const keep = (p: Promise<void>) => p.catch((err) => log.error({ err }, 'could not write a log entry'));

  const module: Module = {
    name: 'logs',
    async start() {
      await Promise.all([callLog.load(), doorLog.load()]);
      offs.push(
        ctx.bus.on('call.closed', ({ call, end }) => keep(callLog.append(callLogEntry(call, end, ctx.clock.now())))),
        ctx.bus.on('door.opened', (e) =>
          keep(
            doorLog.append({
              at: e.at,
              relay: e.relay,
              relayName: e.name,
              method: e.method,
              by: e.actor,
              ...(e.call ? { callId: e.call.id } : {}),
            }),
          ),
        ),
      );
    },
    async stop() {
      for (const off of offs.splice(0)) off();
    },
  };
  return [module];
};
