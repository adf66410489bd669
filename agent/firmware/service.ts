/** What the agent's other parts (web, cloud) use of the firmware updates. */
import type { FirmwareOffer, FirmwareStatus, FirmwareUpdate, UpdateRequest } from './updater.ts';

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
  /**
   * Cancels the update in progress before RAUC writes the slot; resolves with its final state.
   * Throws FirmwareNotCancelable (with the reason) when none runs or the install has started.
   */
  cancel(reason: string): Promise<FirmwareUpdate>;
  /** Every change of the update (step, percent); returns the unsubscribe. */
  on(listener: (u: FirmwareUpdate) => void): () => void;
  /** Every change of the update or of the offer; returns the unsubscribe. */
  watch(listener: () => void): () => void;
  /** The newer version the device knows it could install, if any. */
  offered(): FirmwareOffer | undefined;
  /** A cloud firmware job waiting for its time offers its version (until `withdraw`). */
  offer(o: Omit<FirmwareOffer, 'from'>): Promise<void>;
  /** The job ended or started: its offer is withdrawn. */
  withdraw(jobId: string): Promise<void>;
  /** Installs the offered version; throws FirmwareUnavailable when none is offered. */
  installOffered(source: FirmwareUpdate['source']): Promise<FirmwareUpdate>;
};
