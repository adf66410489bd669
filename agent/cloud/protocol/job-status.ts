/**
 * The state of a job, published by the device on `jobs/<jobId>/status` (retained). The names are
 * AWS IoT Jobs' states; a cloud's Pending / Processing / Executed map onto them (see the doc).
 */
import { z } from 'zod';

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
  step: z.string().optional(),
  progress: z.number().min(0).max(100).optional(),
  details: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  updatedAt: z.string(),
  /** The job type, when the device could read it. */
  type: z.string().optional(),
});

export type JobStatus = z.infer<typeof jobStatus>;

/** The three states a management cloud's UI shows (the seed's firmware update list). */
export function cloudView(state: JobState): 'Pending' | 'Processing' | 'Executed' {
  if (state === 'QUEUED') return 'Pending';
  if (state === 'IN_PROGRESS') return 'Processing';
  return 'Executed';
}
