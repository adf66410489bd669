/** What the agent's other parts (web, cloud) use of the firmware updates. */
import type { FirmwareStatus, FirmwareUpdate, UpdateRequest } from './updater.ts';

export type FirmwareService = {
  /** Can this device install updates (RAUC with A/B slots)? If not, `reason` says why. */
  readonly available: boolean;
  readonly reason: string | undefined;
  readonly version: string;
  status(): Promise<FirmwareStatus>;
  /** The update in progress or the last one. */
  current(): FirmwareUpdate | null;
  /** Starts an update; throws FirmwareBusy when one is in progress, FirmwareUnavailable without RAUC. */
  begin(req: UpdateRequest): Promise<FirmwareUpdate>;
  /** Every change of the update (step, percent); returns the unsubscribe. */
  on(listener: (u: FirmwareUpdate) => void): () => void;
};
