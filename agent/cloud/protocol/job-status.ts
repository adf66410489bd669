/**
 * The state of a job, published by the device on `jobs/<jobId>/status` (retained). The names are
 * AWS IoT Jobs' states; a cloud's Pending / Processing / Executed map onto them (see the doc).
 */
import * as z from './zod.ts';

export const JOB_STATES = [
  'QUEUED',
  'IN_PROGRESS',
  'SUCCEEDED',
  'FAILED',
  'REJECTED',
  'CANCELED',
  'TIMED_OUT',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A job in one of these states is over: nothing more will happen to it. */
export const TERMINAL_STATES: readonly JobState[] = ['SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELED', 'TIMED_OUT'];

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

export const jobStatus = z.looseObject({
  status: z.enum(JOB_STATES),
  step: z.optional(z.string()),
  progress: z.optional(z.number().check(z.gte(0), z.lte(100))),
  details: z.optional(z.union([z.string(), z.record(z.string(), z.unknown())])),
  updatedAt: z.string(),
  /** The job type, when the device could read it. */
  type: z.optional(z.string()),
});

export type JobStatus = z.infer<typeof jobStatus>;

/** The three states a management cloud's UI shows (the seed's firmware update list). */
export function cloudView(state: JobState): 'Pending' | 'Processing' | 'Executed' {
  if (state === 'QUEUED') return 'Pending';
  if (state === 'IN_PROGRESS') return 'Processing';
  return 'Executed';
}
