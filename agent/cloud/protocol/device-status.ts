/** The device's status, retained on `status`: online with what the cloud lists, or offline (the last will). */
import { z } from 'zod';

export const deviceStatus = z.looseObject({
  state: z.enum(['online', 'offline']),
  deviceId: z.string().optional(),
  model: z.string().optional(),
  role: z.string().optional(),
  name: z.string().optional(),
  location: z.string().optional(),
  firmware: z.string().optional(),
  /** Changes at every start of the agent. */
  bootId: z.string().optional(),
  ip: z.string().optional(),
  /** Seconds since the agent started. */
  uptime: z.number().optional(),
  sip: z.object({ accounts: z.number(), registered: z.number() }).optional(),
  /** When this connection (or, offline, the last one) was made: the cloud's "last connected time". */
  connectedAt: z.string().optional(),
  updatedAt: z.string().optional(),
  /** Offline: `stopped` (clean stop) or `lost` (the last will). */
  reason: z.string().optional(),
});

export type DeviceStatus = z.infer<typeof deviceStatus>;
