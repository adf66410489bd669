/** The device's status, retained on `status`: online with what the cloud lists, or offline (the last will). */
import * as z from './zod.ts';

export const deviceStatus = z.looseObject({
  state: z.enum(['online', 'offline']),
  deviceId: z.optional(z.string()),
  model: z.optional(z.string()),
  role: z.optional(z.string()),
  name: z.optional(z.string()),
  location: z.optional(z.string()),
  firmware: z.optional(z.string()),
  /** Changes at every start of the agent. */
  bootId: z.optional(z.string()),
  ip: z.optional(z.string()),
  /** Seconds since the agent started. */
  uptime: z.optional(z.number()),
  sip: z.optional(z.object({ accounts: z.number(), registered: z.number() })),
  /** When this connection (or, offline, the last one) was made: the cloud's "last connected time". */
  connectedAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  /** Offline: `stopped` (clean stop) or `lost` (the last will). */
  reason: z.optional(z.string()),
});

export type DeviceStatus = z.infer<typeof deviceStatus>;
