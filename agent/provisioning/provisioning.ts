/**
 * The provisioning module: runs at the times of the autop mode (with jitter), on request (API, UI),
 * only when the device is idle, one run at a time; keeps the records; offers the service.
 */
import { readFile } from 'node:fs/promises';
import { type Clock, errorMessage, type Logger, type Module, type TimerHandle } from '../../core/index.ts';
import type { Bus } from '../bus.ts';
import type { ConfigStore } from '../config/index.ts';
import { readDhcpOptions } from './dhcp.ts';
import { fetchFile } from './fetch.ts';
import type { Fetcher, FetchOptions } from './fetch-types.ts';
import { whenIdle } from './idle.ts';
import { type AfterProvisioning, provision } from './run.ts';
import { powerOnDelay, type Random, repeatDelay } from './schedule.ts';
import { pickServer, type ServerUrl } from './sources.ts';
import { ProvisioningState } from './state.ts';
import type { ProvisioningService, ProvisioningStatus, RunRecord, Started, Trigger } from './types.ts';

export const MAX_FILE_BYTES = 1024 * 1024;
export const FETCH_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 5;

export type ProvisioningDeps = {
  dataDir: string;
  store: ConfigStore;
  bus: Bus;
  clock: Clock;
  log: Logger;
  /** A call is in progress (runs wait until it has ended). */
  busy: () => boolean;
  /** [0, 1); Math.random by default. */
  random?: Random;
  fetch?: Fetcher;
  /** File the DHCP client writes options 66/43 to (absent or missing: no DHCP source). */
  dhcpFile?: string;
  /** SIP PnP discovery (agent/provisioning/pnp.ts): the URL a PnP server sent, if any. */
  pnp?: () => Promise<string | undefined>;
  /** The cloud's standing commands, applied again after each provisioning (agent/cloud/standing.ts). */
  afterProvisioning?: AfterProvisioning;
  limits?: Partial<Pick<FetchOptions, 'timeoutMs' | 'maxBytes' | 'maxRedirects'>>;
};

export class Provisioning implements Module {
  readonly name = 'provisioning';
  readonly state: ProvisioningState;
  #d: ProvisioningDeps;
  #random: Random;
  #timer: TimerHandle | undefined;
  /** What the pending timer will run. */
  #pending: Trigger | undefined;
  #nextAt: number | undefined;
  #current: Promise<RunRecord> | undefined;
  #waiting = false;
  #cancelWait: (() => void) | undefined;
  #offs: (() => void)[] = [];
  #stopped = true;
  /** The URL the last SIP PnP discovery gave. */
  #pnpUrl: string | undefined;

  constructor(deps: ProvisioningDeps) {
    this.#d = deps;
    this.#random = deps.random ?? Math.random;
    this.state = new ProvisioningState(deps.dataDir);
  }

  async start(): Promise<void> {
    this.#stopped = false;
    this.#offs.push(
      this.#d.bus.on('config.changed', (c) => {
        // a pending power-on run stays: the repeated runs are scheduled after it
        if (this.#pending === 'power-on') return;
        if (c.keys.some((k) => k === 'cloud.autopMode' || k === 'cloud.autopInterval' || k === 'cloud.autopJitter'))
          this.#scheduleRepeat();
      }),
    );
    const first = powerOnDelay(this.#d.store.get(), this.#random);
    if (first !== undefined) this.#schedule(first, 'power-on');
    else this.#scheduleRepeat();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const off of this.#offs.splice(0)) off();
    this.#d.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextAt = undefined;
    this.#pending = undefined;
    this.#cancelWait?.();
    await this.#current?.catch(() => {});
  }

  service(): ProvisioningService {
    return { status: () => this.status(), trigger: (t) => this.trigger(t) };
  }

  async status(): Promise<ProvisioningStatus> {
    const doc = await this.state.read();
    const server = await this.#server();
    return {
      mode: this.#d.store.get().cloud.autopMode,
      ...(server
        ? { server: { url: server.url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@'), source: server.source } }
        : {}),
      running: this.#current !== undefined && !this.#waiting,
      waitingForCall: this.#waiting,
      ...(this.#nextAt !== undefined ? { nextRunAt: new Date(this.#nextAt).toISOString() } : {}),
      runs: doc.runs,
    };
  }

  /** Starts a run now (or joins the one in progress); it waits for a call in progress to end. */
  trigger(trigger: Trigger): Started {
    if (this.#current) return { waitingForCall: this.#waiting, record: this.#current };
    const wait = whenIdle(this.#d.busy, this.#d.bus);
    this.#waiting = this.#d.busy();
    this.#cancelWait = wait.cancel;
    if (this.#waiting)
      this.#d.log.info({ trigger }, 'provisioning: a call is in progress; the run waits until it ends');
    const run = (async () => {
      try {
        const idle = await wait.idle;
        this.#waiting = false;
        if (!idle) throw new Error('provisioning stopped before the call ended');
        return await this.#run(trigger);
      } finally {
        this.#current = undefined;
        this.#waiting = false;
      }
    })();
    this.#current = run;
    return { waitingForCall: this.#waiting, record: run };
  }

  #schedule(ms: number, trigger: Trigger): void {
    this.#d.clock.clearTimeout(this.#timer);
    this.#nextAt = this.#d.clock.now() + ms;
    this.#pending = trigger;
    this.#timer = this.#d.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#nextAt = undefined;
      this.#pending = undefined;
      void this.#scheduled(trigger);
    }, ms);
  }

  #scheduleRepeat(): void {
    if (this.#stopped) return;
    const config = this.#d.store.get();
    const ms = repeatDelay(config, this.#random);
    if (ms === undefined) {
      this.#d.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#nextAt = undefined;
      this.#pending = undefined;
      return;
    }
    this.#schedule(ms, config.cloud.autopMode === 'hourly' ? 'hourly' : 'repeatedly');
  }

  async #scheduled(trigger: Trigger): Promise<void> {
    try {
      if ((await this.#server()) || this.#pnpOn()) await this.trigger(trigger).record;
      else this.#d.log.debug({ trigger }, 'provisioning: no autop server URL from any source');
    } catch (err) {
      this.#d.log.error({ err }, 'provisioning run failed');
    }
    this.#scheduleRepeat();
  }

  async #server(): Promise<ServerUrl | undefined> {
    const dhcp = this.#d.dhcpFile ? await readDhcpOptions(this.#d.dhcpFile) : {};
    return pickServer(this.#d.store.get(), dhcp, this.#pnpUrl);
  }

  #pnpOn(): boolean {
    return this.#d.store.get().cloud.autopPnp && this.#d.pnp !== undefined;
  }

  /** The server of a run: the static setting, DHCP, else a SIP PnP discovery now (when on). */
  async #serverForRun(): Promise<ServerUrl | undefined> {
    const dhcp = this.#d.dhcpFile ? await readDhcpOptions(this.#d.dhcpFile) : {};
    const known = pickServer(this.#d.store.get(), dhcp);
    if (known || !this.#pnpOn() || !this.#d.pnp) return known;
    this.#pnpUrl = await this.#d.pnp().catch((err) => {
      this.#d.log.warn({ err }, 'provisioning: SIP PnP failed');
      return undefined;
    });
    if (!this.#pnpUrl) this.#d.log.info('provisioning: no answer to SIP PnP');
    return pickServer(this.#d.store.get(), dhcp, this.#pnpUrl);
  }

  async #run(trigger: Trigger): Promise<RunRecord> {
    const log = this.#d.log;
    const server = await this.#serverForRun();
    const config = this.#d.store.get();
    if (!server) {
      const at = new Date(this.#d.clock.now()).toISOString();
      const record: RunRecord = {
        id: await this.state.nextId(),
        trigger,
        startedAt: at,
        endedAt: at,
        files: [],
        outcome: 'no-server',
        problems: [],
        changed: [],
        error: this.#pnpOn()
          ? 'no autop server URL: none set, none from DHCP option 66/43, no answer to SIP PnP'
          : 'no autop server URL: set Config.Autoprovision.SERVER.Url, or turn on DHCP option 66/43 or SIP PnP',
      };
      await this.state.record(record);
      log.warn({ trigger }, `provisioning: ${record.error}`);
      return record;
    }
    let ca: string | undefined;
    if (config.cloud.autopCaFile) {
      try {
        ca = await readFile(config.cloud.autopCaFile, 'utf8');
      } catch (err) {
        log.warn({ err }, `provisioning: cannot read the CA file ${config.cloud.autopCaFile}`);
      }
    }
    const opts: FetchOptions = {
      timeoutMs: this.#d.limits?.timeoutMs ?? FETCH_TIMEOUT_MS,
      maxBytes: this.#d.limits?.maxBytes ?? MAX_FILE_BYTES,
      maxRedirects: this.#d.limits?.maxRedirects ?? MAX_REDIRECTS,
      ...(ca ? { ca } : {}),
      ...(config.cloud.autopUsername ? { username: config.cloud.autopUsername } : {}),
      ...(config.cloud.autopPassword ? { password: config.cloud.autopPassword } : {}),
    };
    log.info({ trigger, url: server.url.replace(/:[^@/]*@/, ':***@'), source: server.source }, 'provisioning run');
    let record: RunRecord;
    try {
      record = await provision(server, trigger, opts, {
        store: this.#d.store,
        state: this.state,
        fetch: this.#d.fetch ?? fetchFile,
        clock: this.#d.clock,
        ...(this.#d.afterProvisioning ? { afterProvisioning: this.#d.afterProvisioning } : {}),
      });
    } catch (err) {
      log.error({ err }, 'provisioning run failed');
      throw new Error(`provisioning run failed: ${errorMessage(err)}`);
    }
    logRecord(log, record);
    return record;
  }
}

function logRecord(log: Logger, r: RunRecord): void {
  const files = r.files.map((f) => `${f.name} ${f.status}${f.sha256 ? ` sha256 ${f.sha256.slice(0, 12)}` : ''}`);
  const base = { run: r.id, trigger: r.trigger, url: r.url, source: r.source, files };
  if (r.outcome === 'applied') log.info({ ...base, changed: r.changed, standing: r.standing }, 'provisioning: applied');
  else if (r.outcome === 'unchanged')
    log.info(base, 'provisioning: unchanged (same files as applied last), nothing applied');
  else if (r.outcome === 'rejected')
    log.error({ ...base, problems: r.problems }, `provisioning: rejected, nothing changed\n${r.problems.join('\n')}`);
  else log.error({ ...base, error: r.error }, `provisioning: ${r.outcome}: ${r.error ?? ''}`);
}
