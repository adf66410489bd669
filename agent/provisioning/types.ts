/** What a provisioning run is given and what it leaves behind (its record). */

/** Where the autop server URL of a run came from. */
export type UrlSource = 'static' | 'dhcp-66' | 'dhcp-43' | 'pnp' | 'manual';

/** What started a run. */
export type Trigger = 'power-on' | 'repeatedly' | 'hourly' | 'api' | 'cli';

/** One file of a run: fetched (with the SHA-256 of its content), missing, or failed. */
export type FileRecord = {
  name: string;
  url: string;
  status: 'fetched' | 'missing' | 'failed';
  bytes?: number;
  sha256?: string;
  error?: string;
};

export type RunOutcome =
  /** The files were applied (their settings are in force; `changed` may be empty). */
  | 'applied'
  /** The files are those applied last time: nothing applied, no config change. */
  | 'unchanged'
  /** A file has bad lines (or breaks a rule): nothing changed; `problems` says where. */
  | 'rejected'
  /** No file could be fetched, or no server URL is known: nothing changed; `error` says why. */
  | 'failed'
  /** No server URL from any source: nothing to do. */
  | 'no-server';

export type RunRecord = {
  id: number;
  trigger: Trigger;
  startedAt: string;
  endedAt: string;
  url?: string;
  source?: UrlSource;
  files: FileRecord[];
  outcome: RunOutcome;
  /** `common.cfg line 3: Config.X.Y: reason` (or `config: key: reason` for a rule broken by another setting). */
  problems: string[];
  /** Dotted keys of the settings that changed. */
  changed: string[];
  error?: string;
  /** What the cloud's standing commands did after the files were applied. */
  standing?: { applied: number; problems: string[] };
};

/** What the API, the UI and the CLI see. */
export type ProvisioningStatus = {
  mode: string;
  /** The URL the next run would use and where it comes from (undefined: none known). */
  server?: { url: string; source: UrlSource };
  running: boolean;
  /** A scheduled run is waiting for the call in progress to end. */
  waitingForCall: boolean;
  /** When the next scheduled run is due (ISO time), if any. */
  nextRunAt?: string;
  /** Newest first. */
  runs: RunRecord[];
};

/** A run started on request: it may first wait for the call in progress to end. */
export type Started = { waitingForCall: boolean; record: Promise<RunRecord> };

export interface ProvisioningService {
  status(): Promise<ProvisioningStatus>;
  /** Starts a run now, or joins the one in progress; it waits for a call in progress to end first. */
  trigger(trigger: Trigger): Started;
}
