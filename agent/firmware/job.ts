/**
 * The cloud's `firmware` job (URL, version, optional SHA-256, `notBefore`: the runner waits for it)
 * driving the device's firmware update. The job follows the update's steps (downloading with
 * percent, verifying, installing, rebooting); before the reboot it commits with the boot id. The
 * agent of the next boot finishes it: SUCCEEDED once the new version booted and was marked good,
 * FAILED with the reason after a rollback (the update state lives on the data disk).
 *
 * Cancel: while the job waits for its `notBefore` the runner ends it; while the update waits for a
 * call, downloads or verifies, the cancel stops it (partial download removed, running slot
 * untouched) and the job is CANCELED. The job commits just before RAUC starts writing the slot:
 * from then on the runner refuses a cancel with the reason. A job whose version the device already
 * runs is SUCCEEDED at once (nothing downloaded). While it waits for its time, its version is
 * offered (Home Assistant's update entity shows it).
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
  if (u.step === 'canceled') return { status: 'CANCELED', details: u.message ?? 'the update was cancelled' };
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
    queued(id, doc) {
      const fw = deps.firmware();
      if (!fw || fw.version === doc.version) return;
      void fw.offer({
        version: doc.version,
        url: doc.url,
        jobId: id,
        ...(doc.sha256 ? { sha256: doc.sha256 } : {}),
        ...(doc.notBefore ? { notBefore: doc.notBefore } : {}),
      });
    },
    async run(ctx) {
      const fw = deps.firmware();
      if (!fw) return { status: 'FAILED', details: 'firmware updates are not running on this device' };
      if (ctx.cancelled) return { status: 'CANCELED', details: 'cancelled by the cloud before it started' };
      if (fw.version === ctx.doc.version)
        return {
          status: 'SUCCEEDED',
          details: { version: fw.version, message: `the device already runs version ${fw.version}: nothing installed` },
        };
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
      // a cancel from the cloud stops the update unless RAUC already writes the slot (then the
      // job has committed and the runner refused the cancel)
      const onCancel = () =>
        void fw.cancel('cancelled by the cloud').catch(() => {
          /* too late: the runner says so */
        });
      ctx.signal?.addEventListener('abort', onCancel, { once: true });
      try {
        await fw.begin({
          source: 'cloud',
          url: ctx.doc.url,
          version: ctx.doc.version,
          ...(ctx.doc.sha256 ? { sha256: ctx.doc.sha256 } : {}),
          jobId: ctx.id,
          // the irreversible part starts: a cancel is refused from now on
          beforeInstall: async () => {
            await ctx.commit('installing');
          },
          // committed (with the boot id) before the reboot; the agent of the next boot finishes it
          beforeReboot: async () => {
            await ctx.commit('rebooting', { bootId: deps.bootId() });
            off();
            resolve('pending');
          },
        });
      } catch (err) {
        off();
        ctx.signal?.removeEventListener('abort', onCancel);
        return { status: 'FAILED', details: errorMessage(err) };
      }
      return promise.finally(() => ctx.signal?.removeEventListener('abort', onCancel));
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
