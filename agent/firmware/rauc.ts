/**
 * RAUC through its command line (`rauc install`, `rauc info`, `rauc status --detailed
 * --output-format=json`, `rauc status mark-good|mark-bad`). On the device the CLI is the client of
 * RAUC's D-Bus service (de.pengutronix.rauc.Installer, started by init with its own system bus):
 * the agent has no D-Bus library among its dependencies, and the CLI gives the same operations,
 * progress lines and errors. The process runner is passed in (tests give a fake).
 */

/** Runs a command; `onLine` sees each output line (stdout and stderr) as it comes; `signal` kills it. */
export type Exec = (
  command: string,
  args: string[],
  onLine?: (line: string) => void,
  signal?: AbortSignal,
) => Promise<{ code: number; output: string }>;

export type SlotInfo = {
  /** RAUC's slot name, e.g. rootfs.0. */
  name: string;
  /** The boot state's name of the slot (A, B). */
  bootname: string;
  device: string;
  /** booted | active | inactive */
  state: string;
  /** good | bad */
  bootStatus: string;
  /** The version of the bundle last written to it, when RAUC recorded one. */
  version?: string;
  installedAt?: string;
};

export type RaucStatus = {
  compatible: string;
  /** Bootname of the booted slot. */
  booted: string;
  /** RAUC's slot name of the primary (next boot) slot. */
  primary?: string;
  slots: SlotInfo[];
};

export type BundleInfo = { compatible: string; version: string };

export class RaucError extends Error {}

export class Rauc {
  #exec: Exec;
  #bin: string;

  constructor(deps: { exec: Exec; bin?: string }) {
    this.#exec = deps.exec;
    this.#bin = deps.bin ?? 'rauc';
  }

  async status(): Promise<RaucStatus> {
    const r = await this.#exec(this.#bin, ['status', '--detailed', '--output-format=json']);
    if (r.code !== 0) throw new RaucError(`rauc status: ${lastLines(r.output)}`);
    return parseStatus(r.output);
  }

  /** The bundle's manifest, after RAUC checked its signature against the device's keyring (`signal` stops the check). */
  async info(bundle: string, signal?: AbortSignal): Promise<BundleInfo> {
    const r = await this.#exec(this.#bin, ['info', '--output-format=json', bundle], undefined, signal);
    if (r.code !== 0) throw new RaucError(lastLines(r.output));
    const json = jsonIn(r.output) as { compatible?: string; version?: string } | undefined;
    if (!json?.compatible) throw new RaucError(`rauc info: no manifest in its answer: ${lastLines(r.output)}`);
    return { compatible: json.compatible, version: json.version ?? '' };
  }

  /** Installs into the other slot; `progress` gets RAUC's percent and step. Throws with RAUC's reason. */
  async install(bundle: string, progress: (percent: number, message: string) => void): Promise<void> {
    const r = await this.#exec(this.#bin, ['install', bundle], (line) => {
      const m = /^\s*(\d{1,3})% (.*)$/.exec(line);
      if (m) progress(Number(m[1]), (m[2] as string).trim());
    });
    if (r.code !== 0) throw new RaucError(lastLines(r.output));
  }

  async mark(state: 'good' | 'bad', slot: 'booted' | 'other'): Promise<void> {
    const r = await this.#exec(this.#bin, ['status', `mark-${state}`, slot]);
    if (r.code !== 0) throw new RaucError(`rauc status mark-${state} ${slot}: ${lastLines(r.output)}`);
  }
}

type RawSlot = {
  device?: string;
  state?: string;
  bootname?: string;
  boot_status?: string;
  slot_status?: { bundle?: { version?: string }; installed?: { timestamp?: string } };
};

export function parseStatus(output: string): RaucStatus {
  const json = jsonIn(output) as
    | { compatible?: string; booted?: string; boot_primary?: string; slots?: Record<string, RawSlot>[] }
    | undefined;
  if (!json || !Array.isArray(json.slots)) throw new RaucError(`rauc status: unexpected answer: ${lastLines(output)}`);
  const slots: SlotInfo[] = [];
  for (const entry of json.slots) {
    for (const [name, s] of Object.entries(entry)) {
      slots.push({
        name,
        bootname: s.bootname ?? '',
        device: s.device ?? '',
        state: s.state ?? '',
        bootStatus: s.boot_status ?? '',
        ...(s.slot_status?.bundle?.version ? { version: s.slot_status.bundle.version } : {}),
        ...(s.slot_status?.installed?.timestamp ? { installedAt: s.slot_status.installed.timestamp } : {}),
      });
    }
  }
  slots.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // not localeCompare: ICU costs ~2 MB
  return {
    compatible: json.compatible ?? '',
    booted: json.booted ?? '',
    ...(json.boot_primary ? { primary: json.boot_primary } : {}),
    slots,
  };
}

/** The JSON object in RAUC's output (it may print messages before it). */
function jsonIn(output: string): unknown {
  const start = output.indexOf('{');
  const end = output.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  try {
    return JSON.parse(output.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

/** RAUC's reason: its last meaningful output lines, without progress lines. */
export function lastLines(output: string, n = 2): string {
  const lines = output
    .split('\n')
    .map((l) => l.replace(/^\(rauc:\d+\): rauc-\w+ \**: [\d:.]+: /, '').trim())
    .filter((l) => l && !/^\d{1,3}% /.test(l) && !/^rauc-Message:/.test(l));
  return lines.slice(-n).join(': ') || 'no output';
}
