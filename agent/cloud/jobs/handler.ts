/** What a job type plugs into the runner: a check at receipt, the work, and what to do after a restart. */
import type { JobDocument, JobState } from '../protocol/index.ts';
import type { JobRecord } from './store.ts';

export type JobOutcome = {
  status: Extract<JobState, 'SUCCEEDED' | 'FAILED' | 'REJECTED' | 'CANCELED'>;
  details?: string | Record<string, unknown>;
};

export type JobContext<D extends JobDocument = JobDocument> = {
  id: string;
  doc: D;
  /** Set when the cloud cancelled the job; a handler checks it before its irreversible part. */
  readonly cancelled: boolean;
  /** Aborted when the cloud cancels the job (for a handler that waits on something it can stop). */
  readonly signal?: AbortSignal;
  /** Reports (and persists) a step of the work. */
  progress(step: string, progress?: number, details?: JobRecord['details']): Promise<void>;
  /**
   * Marks the start of the irreversible part: from now on a cancel is refused. `bootId` is stored
   * with the job (a reboot is judged by it after the restart).
   */
  commit(step: string, extra?: { bootId?: string }): Promise<void>;
};

export type JobHandler<D extends JobDocument = JobDocument> = {
  /** A reason to refuse the job at once (REJECTED), e.g. a message for a door phone. */
  accept?(doc: D): string | undefined;
  /** The job was accepted and waits for its turn (e.g. a firmware job offers its version meanwhile). */
  queued?(id: string, doc: D): void;
  /**
   * Does the work. `pending` = the job goes on without holding the runner: it finishes after a
   * restart (see `resume`), or when the handler calls `JobRunner.settle`.
   */
  run(ctx: JobContext<D>): Promise<JobOutcome | 'pending'>;
  /**
   * A job found IN_PROGRESS at start; without it, such a job FAILED (the agent stopped during it).
   * `pending`: it goes on after the restart and ends with `JobRunner.settle` (a firmware update
   * checks the new version first).
   */
  resume?(rec: JobRecord): JobOutcome | 'pending';
  /**
   * A cancel of a job whose `run` returned `pending` and that is still going on (a remote web
   * session): ends it and says how; the runner then marks it CANCELED.
   */
  cancel?(id: string): string | undefined;
};

export type JobHandlers = { [T in JobDocument['type']]?: JobHandler<Extract<JobDocument, { type: T }>> };
