/**
 * The device configuration: one zod schema, the single source of truth for the TypeScript
 * types, the defaults, the validation, the autop keys and the JSON Schema the UI renders.
 */
import * as z from '../../../core/zod.ts';
import { accounts } from './accounts.ts';
import { callFeature } from './call-feature.ts';
import { actionUrls, cloud, directIp, ftp, identity, sipNetwork, smtp, web } from './device.ts';
import { inputs, relays } from './door.ts';
import { homeAssistant } from './home-assistant.ts';
import { intercom } from './intercom.ts';
import { monitor } from './monitor.ts';
import { refineConfig } from './rules.ts';
import { schedules } from './schedules.ts';

export const configSchema = z
  .strictObject({
    identity,
    accounts,
    directIp,
    sip: sipNetwork,
    intercom,
    callFeature,
    relays,
    inputs,
    schedules,
    web,
    cloud,
    smtp,
    ftp,
    actionUrls,
    homeAssistant,
    monitor,
  })
  .check(z.superRefine(refineConfig));

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export { ACCOUNT_COUNT } from './accounts.ts';
export { INPUT_COUNT, RELAY_COUNT } from './door.ts';
export type { FieldKind, FieldMeta, TextFormat } from './fields.ts';
export { MULTICAST_SLOTS, TEMPLATE_SLOTS } from './intercom.ts';
export {
  DOOR_RELAYS,
  DOOR_SLOTS,
  type DoorAddress,
  doorRelays,
  type MonitorDoor,
  parseDoorAddress,
} from './monitor.ts';
export { DAYS, SCHEDULE_SLOTS } from './schedules.ts';

/** The configuration of a device nobody has configured yet. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
