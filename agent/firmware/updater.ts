/**
 * Firmware updates with RAUC: one at a time, from the API, the web UI or a cloud job. An update
 * waits for the calls in progress to end (at most `maxCallWaitMs`, then goes on), downloads the
 * bundle to the data disk (percent), has RAUC check it (signature against the device's keyring,
 * `compatible`, the version asked for, the SHA-256 when given), installs it into the other slot,
 * and reboots into it. Its state is kept on the data disk (`<dir>/update.json`), so the agent of the
 * next boot finishes it (an update cut before its reboot is failed, and the bundles it left in
 * `<dir>`, the download `bundle.raucb` and uploads `upload-*.raucb`, are removed at the start):
 *
 * - every boot: the health checks (config loaded, HAL, SIP engine, web; `health`) must pass within
 *   `healthDeadlineMs`; then the booted slot is marked good (RAUC's custom backend clears its boot
 *   attempts). Otherwise it is marked bad and the device reboots into the other slot.
 * - the new slot booted and was marked good: the update is `done` (a cloud job SUCCEEDED);
 * - the old slot booted instead (the new one failed its checks, or its boot attempts ran out): the
 *   update `failed` with the reason (a cloud job FAILED).
 *
 * Steps: waiting (for a call) → downloading → verifying → installing → rebooting →
 * verifying-new-slot → done | failed (rolling-back between, when the new slot fails its checks).
 *
 * Cancel (`cancel`): while the update waits for a call, downloads or verifies, it stops at once,
 * the partial download is removed, the running slot is untouched, and the update ends `canceled`.
 * Once RAUC has started writing the other slot (`installing` and after) a cancel is refused with
 * the reason (FirmwareNotCancelable): a half-written slot is never the one that boots, but the
 * install is not interrupted on purpose.
 *
 * Offer (`offered`): the version the device knows it could install, for Home Assistant's update
 * entity: a cloud firmware job waiting for its time (`offer`, kept on the data disk until the job
 * ends), or the last update from a URL that was cancelled or failed before its install (a retry).
 * Its URL is always the device's own record, never anything read from MQTT.
 */
import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, errorMessage, type HttpStreamFn, type Logger, type Module } from '../../core/index.ts';
import { writeFileAtomic } from '../config/atomic-file.ts';
import { download } from './download.ts';
import type { Rauc, SlotInfo } from './rauc.ts';
import type { FirmwareService } from './service.ts';

export type FirmwareStep =
  | 'waiting'
  | 'downloading'
  | 'verifying'
  | 'installing'
  | 'rebooting'
  | 'verifying-new-slot'
  | 'rolling-back'
  | 'done'
  | 'failed'
  | 'canceled';

export const FINAL_STEPS: readonly FirmwareStep[] = ['done', 'failed', 'canceled'];
/** Steps from which a cancel is refused: RAUC is writing (or has written) the other slot. */
export const IRREVERSIBLE_STEPS: readonly FirmwareStep[] = [
  'installing',
  'rebooting',
  'verifying-new-slot',
  'rolling-back',
];

export type FirmwareUpdate = {
  id: string;
  source: 'api' | 'ui' | 'cloud' | 'home-assistant';
  url?: string;
  /** The SHA-256 the bundle was asked to have. */
  sha256?: string;
  upload?: boolean;
  /** The version asked for (a cloud job names it; the bundle must carry it). */
  version?: string;
  /** The version in the bundle's manifest. */
  bundleVersion?: string;
  jobId?: string;
  step: FirmwareStep;
  percent?: number;
  message?: string;
  error?: string;
  fromVersion: string;
  fromSlot?: string;
  targetSlot?: string;
  startedAt: number;
  updatedAt: number;
};

export type FirmwareStatus = {
  /** False on a device without A/B slots (RAUC not set up): `reason` says why. */
  available: boolean;
  reason?: string;
  version: string;
  compatible?: string;
  booted?: string;
  slots: SlotInfo[];
  /** This boot's health checks: null while they run, then passed (slot marked good) or not. */
  health: { passed: boolean | null; problem?: string; checkedAt?: number };
  update: FirmwareUpdate | null;
};

export type UpdateRequest = {
  source: FirmwareUpdate['source'];
  /** Where the bundle is fetched from, or ... */
  url?: string;
  /** ... a bundle already on the data disk (an upload); it is removed after the install. */
  file?: string;
  version?: string;
  sha256?: string;
  jobId?: string;
  /** Called just before RAUC starts writing the slot (from then on a cancel is refused; a cloud job commits). */
  beforeInstall?: () => Promise<void>;
  /** Called just before the reboot (a cloud job commits, with its boot id). */
  beforeReboot?: () => Promise<void>;
};

export class FirmwareBusy extends Error {}
export class FirmwareUnavailable extends Error {}
/** A cancel that cannot be done: no update in progress, or RAUC is already writing the slot. */
export class FirmwareNotCancelable extends Error {}

/** A version the device knows it could install (see the file's comment). */
export type FirmwareOffer = {
  version: string;
  url: string;
  sha256?: string;
  /** `cloud`: a cloud firmware job waiting for its `notBefore`; `retry`: the last update from a URL that did not install. */
  from: 'cloud' | 'retry';
  jobId?: string;
  notBefore?: string;
};

export type FirmwareDeps = {
  /** Directory on the data disk for the update state and the downloaded bundle. */
  dir: string;
  clock: Clock;
  log: Logger;
  /** RAUC, or undefined on a device without A/B slots (then `unavailableReason`). */
  rauc: Rauc | undefined;
  unavailableReason?: string;
  /** The running firmware's version. */
  version: string;
  /** A call is in progress. */
  busy: () => boolean;
  /** This boot's health: undefined when everything the agent needs works, else what does not. */
  health: () => Promise<string | undefined>;
  /** Reboots the device (init stops the agent first). */
  reboot: () => void;
  /** Called once the booted slot was marked good (the boot watchdog stands down). */
  markedGood?: () => Promise<void>;
  maxCallWaitMs?: number;
  healthDeadlineMs?: number;
  healthIntervalMs?: number;
  maxBundleBytes?: number;
  /** The bundle's GET (core/http-client.ts `httpStream` unless a test injects a fake). */
  get?: HttpStreamFn;
};

/** The abort reason of an update stopped because the agent stops (not a cancel: the update fails). */
class AgentStopping extends Error {}

export class Firmware implements Module {
  readonly name = 'firmware';
  #deps: FirmwareDeps;
  #update: FirmwareUpdate | null = null;
  #running = false;
  #listeners = new Set<(u: FirmwareUpdate) => void>();
  #health: FirmwareStatus['health'] = { passed: null };
  #stopped = false;
  #checking: Promise<void> = Promise.resolve();
  #writing: Promise<void> = Promise.resolve();
  #run_: Promise<void> = Promise.resolve();
  /** Aborts the update in progress (a cancel); undefined when none runs. */
  #abort: AbortController | undefined;
  /** RAUC is writing the slot: a cancel is refused. */
  #irreversible = false;
  #offer: FirmwareOffer | undefined;
  #watchers = new Set<() => void>();

  constructor(deps: FirmwareDeps) {
    this.#deps = deps;
  }

  get #file(): string {
    return join(this.#deps.dir, 'update.json');
  }

  get #offerFile(): string {
    return join(this.#deps.dir, 'offer.json');
  }

  async start(): Promise<void> {
    await mkdir(this.#deps.dir, { recursive: true });
    await this.#removeLeftBundles();
    try {
      this.#update = JSON.parse(await readFile(this.#file, 'utf8')) as FirmwareUpdate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.#deps.log.error({ err }, 'firmware: the update state is unreadable; starting without it');
    }
    try {
      this.#offer = JSON.parse(await readFile(this.#offerFile, 'utf8')) as FirmwareOffer;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.#deps.log.error({ err }, 'firmware: the offer is unreadable; starting without it');
    }
    if (!this.#deps.rauc) {
      this.#health = { passed: null, problem: this.#deps.unavailableReason };
      return;
    }
    // An update cut before its reboot (the agent or the power stopped): RAUC left the running slot
    // primary unless the install had finished; either way the running slot is what boots.
    const u = this.#update;
    if (u && !FINAL_STEPS.includes(u.step) && !['rebooting', 'verifying-new-slot', 'rolling-back'].includes(u.step))
      await this.#set({ step: 'failed', error: `interrupted during "${u.step}": the agent or the device stopped` });
    // The boot check runs beside the other modules (it waits for them to be up).
    this.#checking = this.#bootCheck().catch((err) => this.#deps.log.error({ err }, 'firmware: boot check failed'));
  }

  /**
   * Stops. An update that can still be stopped (waiting, downloading, verifying) ends `failed`
   * ("interrupted … the agent stopped", as a power cut would leave it), its bundle removed; one RAUC
   * is writing is waited for (it then reboots). So nothing of this update runs on after the stop,
   * when an in-process restart starts a new Firmware on the same directory.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#abort && !this.#irreversible) this.#abort.abort(new AgentStopping('the agent stopped'));
    await this.#run_;
  }

  /**
   * Bundles (`*.raucb`: the download, whole or partial, and uploads) left in the directory by an
   * update that was cut (the power stopped while it downloaded or verified): nothing would ever
   * remove them, and a full data disk takes the config and the logs with it. At the start no update
   * of this directory runs (an in-process restart stopped the last one: `stop`); nothing but
   * `*.raucb` files is touched.
   */
  async #removeLeftBundles(): Promise<void> {
    const { dir, log } = this.#deps;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      log.error({ err: errorMessage(err), dir }, 'firmware: cannot list the firmware directory for left bundles');
      return;
    }
    for (const e of entries) {
      const file = join(dir, e.name);
      if (!e.isFile() || !e.name.endsWith('.raucb')) continue;
      try {
        const { size } = await stat(file);
        await rm(file, { force: true });
        log.warn({ file: e.name, bytes: size }, 'firmware: removed a bundle left by an update that was cut');
      } catch (err) {
        log.error({ err: errorMessage(err), file: e.name }, 'firmware: cannot remove a left bundle');
      }
    }
  }

  /** Resolves once this boot's check, the update running and the state writes are done (tests). */
  async settled(): Promise<void> {
    await this.#checking;
    await this.#run_;
    await this.#writing;
  }

  on(listener: (u: FirmwareUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  current(): FirmwareUpdate | null {
    return this.#update ? { ...this.#update } : null;
  }

  /** Every change of the update or of the offer; returns the unsubscribe. */
  watch(listener: () => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  /** What the device could install now (see the file's comment), or undefined. */
  offered(): FirmwareOffer | undefined {
    const running = this.#deps.version;
    if (!this.#deps.rauc) return undefined;
    if (this.#offer && this.#offer.version !== running) return { ...this.#offer };
    const u = this.#update;
    const version = u?.bundleVersion ?? u?.version;
    // a retry: cancelled, or failed before RAUC wrote the slot (a rolled-back version is not offered again)
    if (u?.url && version && version !== running && (u.step === 'canceled' || (u.step === 'failed' && !u.targetSlot)))
      return { from: 'retry', version, url: u.url, ...(u.sha256 ? { sha256: u.sha256 } : {}) };
    return undefined;
  }

  /** A cloud firmware job waiting for its time: offered until it ends (`withdraw`). */
  async offer(o: Omit<FirmwareOffer, 'from'>): Promise<void> {
    this.#offer = { from: 'cloud', ...o };
    await this.#saveOffer();
  }

  /** The job `jobId` ended (or started): its offer is withdrawn. */
  async withdraw(jobId: string): Promise<void> {
    if (this.#offer?.jobId !== jobId) return;
    this.#offer = undefined;
    await this.#saveOffer();
  }

  /** Installs the offered version (Home Assistant's install command). */
  async installOffered(source: FirmwareUpdate['source']): Promise<FirmwareUpdate> {
    const o = this.offered();
    if (!o) throw new FirmwareUnavailable('no newer version is offered to this device');
    return this.begin({ source, url: o.url, version: o.version, ...(o.sha256 ? { sha256: o.sha256 } : {}) });
  }

  /**
   * Cancels the update in progress: resolves with its final state (`canceled`) once it stopped.
   * Throws FirmwareNotCancelable when none runs or RAUC is already writing the slot.
   */
  async cancel(reason: string): Promise<FirmwareUpdate> {
    const u = this.#update;
    if (!u || FINAL_STEPS.includes(u.step)) throw new FirmwareNotCancelable('no update is in progress');
    if (this.#irreversible || IRREVERSIBLE_STEPS.includes(u.step) || !this.#abort)
      throw new FirmwareNotCancelable(
        `the update can no longer be cancelled: RAUC is writing the other slot or has written it (step ${u.step}); it goes on`,
      );
    this.#abort.abort(new Error(reason));
    await this.#run_;
    return this.current() as FirmwareUpdate;
  }

  async #saveOffer(): Promise<void> {
    for (const w of this.#watchers) w();
    const text = this.#offer ? `${JSON.stringify(this.#offer, null, 2)}\n` : undefined;
    this.#writing = this.#writing
      .then(() => (text ? writeFileAtomic(this.#offerFile, text) : rm(this.#offerFile, { force: true })))
      .catch((err) => this.#deps.log.error({ err: errorMessage(err) }, 'firmware: cannot save the offer'));
    await this.#writing;
  }

  service(): FirmwareService {
    return {
      available: !!this.#deps.rauc,
      reason: this.#deps.rauc ? undefined : (this.#deps.unavailableReason ?? 'no RAUC on this device'),
      version: this.#deps.version,
      status: () => this.status(),
      current: () => this.current(),
      begin: (req) => this.begin(req),
      cancel: (reason) => this.cancel(reason),
      on: (l) => this.on(l),
      watch: (l) => this.watch(l),
      offered: () => this.offered(),
      offer: (o) => this.offer(o),
      withdraw: (id) => this.withdraw(id),
      installOffered: (source) => this.installOffered(source),
    };
  }

  async status(): Promise<FirmwareStatus> {
    const base = {
      version: this.#deps.version,
      health: { ...this.#health },
      update: this.current(),
    };
    if (!this.#deps.rauc)
      return { available: false, reason: this.#deps.unavailableReason ?? 'no RAUC on this device', slots: [], ...base };
    try {
      const s = await this.#deps.rauc.status();
      return { available: true, compatible: s.compatible, booted: s.booted, slots: s.slots, ...base };
    } catch (err) {
      return { available: true, reason: errorMessage(err), slots: [], ...base };
    }
  }

  /** Starts an update (runs in the background); throws when one is already going on. */
  async begin(req: UpdateRequest): Promise<FirmwareUpdate> {
    if (!this.#deps.rauc) throw new FirmwareUnavailable(this.#deps.unavailableReason ?? 'no RAUC on this device');
    if (!req.url === !req.file) throw new Error('an update needs a url or an uploaded bundle');
    if (this.#running || (this.#update && !FINAL_STEPS.includes(this.#update.step)))
      throw new FirmwareBusy(`an update is already in progress (${this.#update?.step ?? 'starting'})`);
    this.#running = true;
    const abort = new AbortController();
    this.#abort = abort;
    const now = this.#deps.clock.now();
    this.#update = {
      id: randomUUID(),
      source: req.source,
      ...(req.url ? { url: req.url } : { upload: true }),
      ...(req.version ? { version: req.version } : {}),
      ...(req.sha256 ? { sha256: req.sha256.toLowerCase() } : {}),
      ...(req.jobId ? { jobId: req.jobId } : {}),
      step: this.#deps.busy() ? 'waiting' : req.url ? 'downloading' : 'verifying',
      fromVersion: this.#deps.version,
      startedAt: now,
      updatedAt: now,
    };
    // #run_ is the update's promise from now on (a cancel waits for it), though it starts below
    let go = () => {};
    const started = new Promise<void>((r) => {
      go = r;
    });
    this.#run_ = started
      .then(() => this.#run(req, abort.signal))
      .finally(() => {
        this.#running = false;
        this.#irreversible = false;
        this.#abort = undefined;
      });
    await this.#set({});
    if (req.jobId) await this.withdraw(req.jobId);
    go();
    return this.current() as FirmwareUpdate;
  }

  async #run(req: UpdateRequest, signal: AbortSignal): Promise<void> {
    const { clock, log } = this.#deps;
    const rauc = this.#deps.rauc as Rauc;
    const bundle = req.file ?? join(this.#deps.dir, 'bundle.raucb');
    const check = () => {
      if (signal.aborted) throw signal.reason;
    };
    try {
      await this.#waitForCalls('before the update', signal);
      check();
      if (req.url) {
        await this.#set({ step: 'downloading', percent: 0 });
        let last = clock.monotonic();
        const got = await download({
          url: req.url,
          file: bundle,
          maxBytes: this.#deps.maxBundleBytes ?? 1024 * 1024 * 1024,
          get: this.#deps.get,
          signal,
          progress: (percent) => {
            // at most one report a second (and the last): the cloud and the UI need no more
            if (percent !== undefined && (percent === 100 || clock.monotonic() - last >= 1000)) {
              last = clock.monotonic();
              void this.#set({ percent });
            }
          },
        });
        await this.#set({ step: 'verifying', percent: undefined, message: `${got.bytes} bytes downloaded` });
        if (req.sha256 && got.sha256 !== req.sha256.toLowerCase())
          throw new Error(
            `SHA-256 mismatch: the bundle is ${got.sha256}, the update asked for ${req.sha256.toLowerCase()}`,
          );
      } else {
        await this.#set({ step: 'verifying', percent: undefined });
      }
      check();
      const info = await rauc.info(bundle, signal).catch((err) => {
        check();
        throw new Error(`the bundle was refused: ${errorMessage(err)}`);
      });
      check();
      const status = await rauc.status();
      if (info.compatible !== status.compatible)
        throw new Error(`the bundle is for "${info.compatible}", this device is "${status.compatible}"`);
      if (req.version && info.version !== req.version)
        throw new Error(`the bundle is version ${info.version}, the update asked for ${req.version}`);
      // the last moment a cancel is taken: from here on RAUC writes the other slot
      check();
      this.#irreversible = true;
      await req.beforeInstall?.();
      await this.#set({ step: 'installing', percent: 0, bundleVersion: info.version, fromSlot: status.booted });
      await rauc.install(bundle, (percent, message) => void this.#set({ percent, message }));
      const after = await rauc.status();
      const target = after.slots.find((s) => s.name === after.primary)?.bootname;
      if (!target || target === status.booted) throw new Error('RAUC installed the bundle but did not switch slots');
      await rm(bundle, { force: true });
      await this.#waitForCalls('before the reboot');
      await this.#set({ step: 'rebooting', percent: undefined, message: undefined, targetSlot: target });
      await req.beforeReboot?.();
      log.warn({ version: info.version, slot: target }, 'firmware installed: rebooting into the new slot');
      this.#deps.reboot();
    } catch (err) {
      await rm(bundle, { force: true }).catch(() => {});
      if (signal.aborted && !this.#irreversible && signal.reason instanceof AgentStopping) {
        const step = this.#update?.step ?? 'starting';
        log.warn({ step }, 'firmware update stopped with the agent: the running slot is untouched');
        await this.#set({
          step: 'failed',
          percent: undefined,
          error: `interrupted during "${step}": the agent stopped`,
        });
        return;
      }
      if (signal.aborted && !this.#irreversible) {
        const reason = errorMessage(signal.reason);
        log.warn({ reason }, 'firmware update cancelled: the running slot is untouched');
        await this.#set({ step: 'canceled', percent: undefined, message: reason });
        return;
      }
      log.error({ err: errorMessage(err) }, 'firmware update failed');
      await this.#set({ step: 'failed', percent: undefined, error: errorMessage(err) });
    }
  }

  async #waitForCalls(when: string, signal?: AbortSignal): Promise<void> {
    const { clock, busy } = this.#deps;
    if (!busy()) return;
    const max = this.#deps.maxCallWaitMs ?? 10 * 60_000;
    const started = clock.monotonic();
    await this.#set({ step: 'waiting', message: `waiting for the call to end ${when}` });
    const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
    // (a stopping agent ends its calls anyway: the wait does not hold its stop up)
    while (busy() && clock.monotonic() - started < max && !signal?.aborted && !this.#stopped)
      await Promise.race([clock.sleep(1000), aborted]);
    if (signal?.aborted) return;
    if (busy())
      await this.#set({ message: `a call was still in progress after ${Math.round(max / 1000)} s: going on` });
  }

  /** This boot: health checks within the deadline, mark good (or bad and reboot), finish an update. */
  async #bootCheck(): Promise<void> {
    const { clock, log } = this.#deps;
    const rauc = this.#deps.rauc as Rauc;
    const u = this.#update;
    const pending = u && ['rebooting', 'verifying-new-slot', 'rolling-back'].includes(u.step) ? u : undefined;
    const booted = (await rauc.status()).booted;
    if (pending && pending.step !== 'rolling-back' && booted === pending.targetSlot)
      await this.#set({ step: 'verifying-new-slot', percent: undefined, message: `booted slot ${booted}` });

    const deadline = this.#deps.healthDeadlineMs ?? 120_000;
    const interval = this.#deps.healthIntervalMs ?? 2000;
    const started = clock.monotonic();
    let problem = await this.#deps.health();
    while (problem && !this.#stopped && clock.monotonic() - started < deadline) {
      await clock.sleep(interval);
      problem = await this.#deps.health();
    }
    if (this.#stopped) return;
    this.#health = { passed: !problem, ...(problem ? { problem } : {}), checkedAt: clock.now() };

    // the first boot of the new version: it must pass, or it is rolled back
    const trial = !!pending && pending.step !== 'rolling-back' && booted === pending.targetSlot;
    if (problem && trial) {
      log.error(
        { problem, slot: booted },
        'firmware: the new slot failed its health checks: marking it bad, rebooting',
      );
      await this.#set({
        step: 'rolling-back',
        error: `the new version failed its health checks on slot ${booted}: ${problem}`,
      });
      await rauc.mark('bad', 'booted');
      this.#deps.reboot();
      return;
    }
    // A slot that ran before is not given up for a failing check (a PBX down, a config mistake on
    // the data disk would make it swap to an older version): the agent runs, so it is marked good.
    if (problem) log.error({ problem, slot: booted }, 'firmware: health checks failed on this (proven) slot');
    await rauc.mark('good', 'booted');
    await this.#deps.markedGood?.();
    log.info({ slot: booted, version: this.#deps.version }, 'firmware: health checks passed, slot marked good');
    if (!pending) return;
    if (trial) {
      await this.#set({ step: 'done', message: `version ${this.#deps.version} runs on slot ${booted}` });
      return;
    }
    // back on the old slot: the new one did not come up (or failed its checks)
    await rauc.mark('bad', 'other').catch((err) => log.warn({ err }, 'firmware: could not mark the other slot bad'));
    await this.#set({
      step: 'failed',
      error:
        pending.error ??
        `the new version did not start on slot ${pending.targetSlot}: the device went back to slot ${booted} after its boot attempts`,
      message: `version ${this.#deps.version} runs on slot ${booted}`,
    });
  }

  async #set(patch: Partial<FirmwareUpdate>): Promise<void> {
    if (!this.#update) return;
    const next: FirmwareUpdate = { ...this.#update, ...patch, updatedAt: this.#deps.clock.now() };
    for (const k of Object.keys(patch) as (keyof FirmwareUpdate)[]) if (patch[k] === undefined) delete next[k];
    this.#update = next;
    for (const l of this.#listeners) l({ ...next });
    for (const w of this.#watchers) w();
    // writes one after the other, each of the state as it is then
    this.#writing = this.#writing
      .then(() => writeFileAtomic(this.#file, `${JSON.stringify(this.#update, null, 2)}\n`))
      .catch((err) => this.#deps.log.error({ err: errorMessage(err) }, 'firmware: cannot save the update state'));
    await this.#writing;
  }
}
