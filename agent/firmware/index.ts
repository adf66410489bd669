/** Firmware updates with RAUC (A/B slots, signed bundles, health checks, rollback): see updater.ts. */
export { execCommand } from './exec.ts';
export { type FirmwareJobDeps, firmwareJobHandler } from './job.ts';
export { type BundleInfo, type Exec, parseStatus, Rauc, RaucError, type RaucStatus, type SlotInfo } from './rauc.ts';
export type { FirmwareService } from './service.ts';
export {
  FINAL_STEPS,
  Firmware,
  FirmwareBusy,
  type FirmwareDeps,
  FirmwareNotCancelable,
  type FirmwareOffer,
  type FirmwareStatus,
  type FirmwareStep,
  FirmwareUnavailable,
  type FirmwareUpdate,
  IRREVERSIBLE_STEPS,
  type UpdateRequest,
} from './updater.ts';
export { firmwareVersion } from './version.ts';
