/**
 * `reboot` jobs: wait until no call is in progress (at most `maxWait` seconds, then restart anyway),
 * then restart. SUCCEEDED is reported by the agent that comes back, when its boot id differs from
 * the one that restarted: success is never reported before the restart happened.
 */
import type { Clock } from '../../../core/index.ts';
import { REBOOT_MAX_WAIT_DEFAULT, type RebootJob } from '../protocol/index.ts';
import type { JobHandler } from './handler.ts';

export function rebootHandler(deps: {
  clock: Clock;
  bootId: string;
  /** Calls in progress now. */
  calls: () => number;
  /** Restarts the device (the agent). */
  restart: () => void;
}): JobHandler<RebootJob> {
  return {
    async run(ctx) {
      const maxWaitMs = (ctx.doc.maxWait ?? REBOOT_MAX_WAIT_DEFAULT) * 1000;
      const started = deps.clock.monotonic();
      let forced = false;
      if (deps.calls() > 0) await ctx.progress('waiting for the call to end');
      while (deps.calls() > 0) {
        if (ctx.cancelled) return { status: 'CANCELED', details: 'cancelled while waiting for the call to end' };
        if (deps.clock.monotonic() - started >= maxWaitMs) {
          forced = true;
          break;
        }
        await deps.clock.sleep(500);
      }
      if (ctx.cancelled) return { status: 'CANCELED', details: 'cancelled before the restart' };
      await ctx.commit(forced ? 'restarting (a call was still in progress after maxWait)' : 'restarting', {
        bootId: deps.bootId,
      });
      deps.restart();
      return 'pending';
    },
    resume(rec) {
      if (rec.bootId && rec.bootId !== deps.bootId)
        return { status: 'SUCCEEDED', details: { bootId: deps.bootId, previousBootId: rec.bootId } };
      return { status: 'FAILED', details: 'the device did not restart' };
    },
  };
}
