/** An event on `events/<type>`: unique id, UTC time and uptime, as integrators know from 2N's log. */
import * as z from './zod.ts';

/** The event types a device publishes. */
export const EVENT_TYPES = ['call', 'door', 'input', 'alarm', 'job', 'message'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const cloudEvent = z.looseObject({
  id: z.string(),
  type: z.string(),
  /** ISO 8601, UTC. */
  utcTime: z.string(),
  /** Seconds since the agent started. */
  upTime: z.number(),
  params: z.record(z.string(), z.unknown()),
});

export type CloudEvent = z.infer<typeof cloudEvent>;
