/**
 * The cloud's `firmware` job (URL, version, optional SHA-256, `notBefore`: the runner waits for it)
 * driving the device's firmware update. The job follows the update's steps (downloading with
 * percent, verifying, installing, rebooting); before the reboot it commits with the boot id. The
 * agent of the next boot finishes it: SUCCEEDED once the new version booted and was marked good,
 * FAILED with the reason after a rollback (the update state lives on the data disk).
 */
import { errorMessage } from '../../core/index.ts';
import type { JobHandler, JobOutcome } from '../cloud/jobs/handler.ts';
import type { FirmwareJob } from '../cloud/protocol/index.ts';
import type { FirmwareService } from './service.ts';
import type { FirmwareUpdate } from './updater.ts';

export type FirmwareJobDeps = {
  firmware: () => FirmwareService | undefined;
  bootId: () => string;
  /** Ends a job left pending across the reboot (JobRunner.settle). */
  settle: (jobId: string, outcome: JobOutcome) => Promise<void>;
  /** Reports a step of such a job (JobRunner.note). */
  note: (jobId: string, step: string) => Promise<void>;
};

function outcomeOf(u: FirmwareUpdate): JobOutcome | undefined {
  if (u.step === 'done')
    return { status: 'SUCCEEDED', details: { version: u.bundleVersion ?? u.version ?? '', slot: u.targetSlot ?? '' } };
  if (u.step === 'failed') return { status: 'FAILED', details: u.error ?? 'the update failed' };
  return undefined;
}

export function firmwareJobHandler(deps: FirmwareJobDeps): JobHandler<FirmwareJob> {
  return {
    accept() {
      const fw = deps.firmware();
      if (!fw) return 'firmware updates are not running on this device';
      if (!fw.available)
        return `firmware updates are not possible on this device: ${fw.reason}; nothing was downloaded`;
      return undefined;
    },
    async run(ctx) {
      const fw = deps.firmware();
      if (!fw) return { status: 'FAILED', details: 'firmware updates are not running on this device' };
      let resolve: (o: JobOutcome | 'pending') => void = () => {};
      const promise = new Promise<JobOutcome | 'pending'>((r) => {
        resolve = r;
      });
      const off = fw.on((u) => {
        if (u.jobId !== ctx.id) return;
        const outcome = outcomeOf(u);
        if (outcome) {
          off();
          resolve(outcome);
        } else if (u.step !== 'rebooting') void ctx.progress(u.step, u.percent);
      });
      try {
        await fw.begin({
          source: 'cloud',
          url: ctx.doc.url,
          version: ctx.doc.version,
          ...(ctx.doc.sha256 ? { sha256: ctx.doc.sha256 } : {}),
          jobId: ctx.id,
          // committed (with the boot id) before the reboot; the agent of the next boot finishes it
          beforeReboot: async () => {
            await ctx.commit('rebooting', { bootId: deps.bootId() });
            off();
            resolve('pending');
          },
        });
      } catch (err) {
        off();
        return { status: 'FAILED', details: errorMessage(err) };
      }
      return promise;
    },
    resume(rec) {
      const fw = deps.firmware();
      const u = fw?.current();
      if (!fw || !u || u.jobId !== rec.id)
        return { status: 'FAILED', details: 'the device has no state of this firmware update (it was lost)' };
      const now = outcomeOf(u);
      if (now) return now;
      const off = fw.on((next) => {
        if (next.jobId !== rec.id) return;
        const outcome = outcomeOf(next);
        if (outcome) {
          off();
          void deps.settle(rec.id, outcome);
        } else void deps.note(rec.id, next.step);
      });
      void deps.note(rec.id, u.step);
      return 'pending';
    },
  };
}
