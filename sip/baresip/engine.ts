/**
 * The SIP engine on a supervised baresip: a private config dir, one ctrl_tcp connection owned here,
 * accounts added after connecting, calls tracked by id. A baresip that exits, is killed, stops
 * answering or drops the control connection is restarted with backoff; calls in progress end with
 * "engine restarted" and the accounts are added again. A lost SIP trace (callers' addresses unknown)
 * restarts baresip in order once no call is in progress, paced (trace-recovery.ts): that restart is
 * planned, not a crash (no `engine.down`; `engine.ready` when it is up again).
 */
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import {
  type Clock,
  endStale,
  errorMessage,
  type Logger,
  recordPid,
  type TimerHandle,
  TypedEmitter,
} from '../../core/index.ts';
import { Backoff } from '../backoff.ts';
import type {
  AccountSpec,
  CallInfo,
  DialOptions,
  EngineSettings,
  Registration,
  SipEngine,
  SipEvents,
} from '../engine.ts';
import { completeTarget, DEFAULT_DIRECT_IP_USER } from '../target.ts';
import { AccountSync, DIRECT } from './accounts.ts';
import { CallBook, DEFAULT_DIAL_TIMEOUT_MS, type Reconciliation } from './calls.ts';
import { DEFAULT_MODULE_PATH, listModules, writeConfigDir } from './config-file.ts';
import { CtrlClient } from './ctrl-client.ts';
import { freeTcpPort } from './free-port.ts';
import type { BaresipEvent } from './messages.ts';
import { BaresipProcess } from './process.ts';
import type { RestartPacing } from './restart-pacer.ts';
import { Serial } from './serial.ts';
import { SipTrace } from './sip-trace.ts';
import { TraceRecovery } from './trace-recovery.ts';

export type BaresipDeps = {
  log: Logger;
  clock: Clock;
  /** baresip's private config dir (created 0700). */
  dir: string;
  binary?: string;
  modulePath?: string;
  /** A command with no response within this time means baresip is stuck: it is restarted. */
  commandTimeoutMs?: number;
  /** Restart delays: from min, doubling to max; back to min once a run lasted `stableMs`. */
  restart?: { minMs: number; maxMs: number; stableMs: number };
  /** Retry of an account after an authentication failure. */
  authRetry?: { minMs: number; maxMs: number };
  /** This device's address, for the direct IP user agent when listening on all addresses. */
  localAddress?: () => string;
  /**
   * Calls in conversation at once (read at each incoming call; default 1): an incoming call beyond
   * is refused with 486. Outgoing calls still ringing (a group or sequence call) do not count.
   */
  maxCalls?: () => number;
  /** How long answer() waits for the answered call to be established (default 5 s). */
  answerTimeoutMs?: number;
  /** baresip's call list is checked against the engine's this often (default 15 s; 0 = only on anomalies). */
  reconcileIntervalMs?: number;
  /** Pacing of the restarts after the SIP trace was lost (default: 1 min doubling to 30 min, reset after 1 h quiet). */
  traceRestart?: RestartPacing;
};

type State = 'stopped' | 'starting' | 'running' | 'restarting' | 'stopping';

const CONNECT_TIMEOUT_MS = 5000;
const RECONCILE_INTERVAL_MS = 15_000;
/** `quit` ends calls and unregisters; baresip then waits for its SIP transactions (1.6-2 s, up to 32 s). */
const QUIT_WAIT_MS = 3000;

export class BaresipEngine implements SipEngine {
  readonly events: TypedEmitter<SipEvents>;
  #settings: EngineSettings;
  #deps: BaresipDeps;
  #log: Logger;
  #clock: Clock;
  #state: State = 'stopped';
  #proc: BaresipProcess | undefined;
  #ctrl: CtrlClient | undefined;
  #ctrlPort = 0;
  #modules = new Set<string>();
  #serial = new Serial();
  #accounts: AccountSync;
  #calls: CallBook;
  #specs: AccountSpec[] = [];
  #restarts = 0;
  #backoff: Backoff;
  #restartTimer: TimerHandle | undefined;
  #upSince = 0;
  #applying: Promise<void> = Promise.resolve();
  #launching: Promise<void> | undefined;
  #reconcileTimer: TimerHandle | undefined;
  #trace: SipTrace | undefined;
  #recovery: TraceRecovery;

  constructor(settings: EngineSettings, deps: BaresipDeps) {
    this.#settings = settings;
    this.#deps = deps;
    this.#log = deps.log;
    this.#clock = deps.clock;
    this.events = new TypedEmitter<SipEvents>((event, err) =>
      this.#log.error({ err, event }, `a listener of ${String(event)} threw`),
    );
    const r = deps.restart ?? { minMs: 100, maxMs: 30_000, stableMs: 60_000 };
    this.#backoff = new Backoff(r.minMs, r.maxMs);
    const ctrl = () => (this.#ctrl?.connected ? this.#ctrl : undefined);
    this.#accounts = new AccountSync({
      clock: deps.clock,
      log: deps.log,
      serial: this.#serial,
      ctrl,
      emit: (reg) => this.events.emit('registration', reg),
      dropCalls: (key, reason) => this.#calls.drop(key, reason),
      authRetry: deps.authRetry ?? { minMs: 5 * 60_000, maxMs: 60 * 60_000 },
    });
    this.#calls = new CallBook({
      clock: deps.clock,
      log: deps.log,
      serial: this.#serial,
      ctrl,
      keyOf: (aor) => this.#accounts.keyOf(aor),
      aors: () => this.#accounts.aors(),
      emit: (event, payload) => {
        this.events.emit(event, payload);
        // the last call ended: a restart owed for a lost SIP trace may go
        if (event === 'call.closed') this.#recovery.check();
      },
      maxCalls: deps.maxCalls ?? (() => 1),
      restart: (reason) => this.#failed(reason),
      answerTimeoutMs: deps.answerTimeoutMs,
      sourceOf: (bid) => this.#trace?.sourceOf(bid) ?? '',
    });
    this.#recovery = new TraceRecovery({
      clock: deps.clock,
      log: deps.log,
      busy: () => this.#state !== 'running' || this.#calls.list().length > 0,
      restart: () => this.#restartInOrder('the SIP trace was lost'),
      pacing: deps.traceRestart,
    });
  }

  /** PID of the running baresip (tests and benchmarks). */
  get pid(): number | undefined {
    return this.#proc?.running ? this.#proc.pid : undefined;
  }

  /** Port of ctrl_tcp on 127.0.0.1 (tests). */
  get ctrlPort(): number {
    return this.#ctrlPort;
  }

  get running(): boolean {
    return this.#state === 'running';
  }

  /**
   * Starts baresip. A first start that fails (e.g. the network address is not up yet at boot) is
   * handled like a crash: logged, reported as `engine.down`, and tried again with backoff.
   */
  async start(): Promise<void> {
    if (this.#state !== 'stopped') throw new Error(`the SIP engine is already ${this.#state}`);
    this.#state = 'starting';
    try {
      this.#modules = await listModules(this.#deps.modulePath ?? DEFAULT_MODULE_PATH);
      this.#launching = this.#launch();
      await this.#launching;
    } catch (err) {
      if (this.#state !== 'starting') return; // stopped meanwhile
      const reason = `the SIP engine did not start: ${errorMessage(err)}`;
      this.#log.error({ err }, `${reason}; trying again`);
      this.#state = 'restarting';
      this.events.emit('engine.down', { reason });
      this.#scheduleRestart();
    }
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    this.#clock.clearTimeout(this.#restartTimer);
    this.#clock.clearTimeout(this.#reconcileTimer);
    this.#recovery.cancel();
    await this.#launching?.catch(() => undefined);
    this.#accounts.close();
    this.#calls.drop(undefined, 'engine stopped');
    await this.#quit();
    this.#accounts.reset('engine stopped');
    this.#state = 'stopped';
  }

  /** Ends the running baresip in order: `quit` (it ends its calls and unregisters), then SIGTERM, SIGKILL. */
  async #quit(): Promise<void> {
    const proc = this.#proc;
    const ctrl = this.#ctrl;
    // detached first: its exit, the end of its connection and its last trace output are no crash
    this.#proc = undefined;
    this.#ctrl = undefined;
    this.#trace = undefined;
    if (ctrl?.connected) for (const p of ctrl.send([{ command: 'quit' }], QUIT_WAIT_MS)) p.catch(() => undefined);
    if (proc && !(await proc.waitExit(QUIT_WAIT_MS))) await proc.terminate(1500);
    ctrl?.close();
  }

  /**
   * A planned restart of a running baresip with no call in progress (the SIP trace was lost): it is
   * ended in order and launched again, accounts registered anew. Not a crash: no `engine.down`, and
   * `engine.ready` once it is up. Resolves true once it is up again; if the new baresip does not
   * start, the crash handling takes over (backoff) and it resolves false.
   */
  async #restartInOrder(reason: string): Promise<boolean> {
    if (this.#state !== 'running' || this.#calls.list().length > 0) return false;
    this.#state = 'restarting';
    this.#clock.clearTimeout(this.#reconcileTimer);
    this.#log.warn({ reason, pid: this.pid }, `restarting the SIP engine in order (no call in progress): ${reason}`);
    this.#calls.drop(undefined, 'engine restarted');
    this.#accounts.reset('engine restarted');
    const run = (async () => {
      await this.#quit();
      if (this.#state !== 'restarting') return; // stopped meanwhile
      this.#restarts++;
      this.#state = 'starting';
      await this.#launch();
    })();
    this.#launching = run;
    try {
      await run;
    } catch (err) {
      this.#launchFailed(err);
      return false;
    }
    return this.running;
  }

  setAccounts(accounts: AccountSpec[]): Promise<void> {
    this.#specs = accounts.map((a) => ({ ...a }));
    return this.#apply();
  }

  dial(target: string, opts: DialOptions = {}): CallInfo {
    if (this.#state !== 'running') throw new Error(`the SIP engine is not running (it is ${this.#state})`);
    let key = DIRECT;
    let spec: AccountSpec | undefined;
    if (opts.account !== undefined) {
      spec = this.#specs.find((a) => a.id === opts.account);
      if (!spec) throw new Error(`account ${opts.account} is not configured`);
      key = spec.id;
    } else if (!this.#settings.directIp) {
      throw new Error(`direct IP calls are disabled: ${target} needs an account`);
    }
    const aor = this.#accounts.aorOf(key);
    if (!aor) {
      const why = this.#accounts.registrations().find((r) => r.account === key)?.reason;
      throw new Error(
        key === DIRECT ? 'direct IP calls are not available' : `account ${key} is not usable${why ? `: ${why}` : ''}`,
      );
    }
    const uri = completeTarget(target, { account: spec, directIpUser: this.#directUser });
    return this.#calls.dial(uri, key, aor, opts.timeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS);
  }

  answer(callId: string, opts?: { video?: boolean }): Promise<void> {
    if (opts?.video) this.#log.debug({ call: callId }, 'video is not available: answering with audio');
    return this.#calls.answer(callId);
  }

  hangup(callId: string): Promise<void> {
    return this.#calls.hangup(callId);
  }

  reject(callId: string, code: number): Promise<void> {
    return this.#calls.reject(callId, code);
  }

  sendDtmf(callId: string, digits: string): Promise<void> {
    return this.#calls.sendDtmf(callId, digits);
  }

  hold(callId: string): Promise<void> {
    return this.#calls.hold(callId, true);
  }

  resume(callId: string): Promise<void> {
    return this.#calls.hold(callId, false);
  }

  calls(): CallInfo[] {
    return this.#calls.list();
  }

  registrations(): Registration[] {
    return this.#accounts.registrations();
  }

  /**
   * Checks baresip's call list against the engine's and repairs it (done by itself on anomalies and
   * periodically; tests call it to see the result).
   */
  reconcileCalls(why = 'asked'): Promise<Reconciliation> {
    if (this.#state !== 'running') return Promise.resolve({ ended: [], lost: [], stuck: false });
    return this.#calls.reconcile(why);
  }

  #watchCalls(): void {
    const every = this.#deps.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS;
    if (every <= 0) return;
    this.#clock.clearTimeout(this.#reconcileTimer);
    this.#reconcileTimer = this.#clock.setTimeout(() => {
      if (this.#state !== 'running') return;
      this.#calls
        .reconcile('periodic check')
        .catch((err) => this.#log.warn({ err }, 'checking the call list failed'))
        .finally(() => {
          if (this.#state !== 'running') return;
          this.#watchCalls();
          this.#recovery.check(); // a call that ended unreported (refused busy)
        });
    }, every);
  }

  get #directUser(): string {
    return this.#settings.directIpUser || DEFAULT_DIRECT_IP_USER;
  }

  /** Reconciles the accounts, one reconciliation at a time. */
  #apply(): Promise<void> {
    const s = this.#settings;
    let host = s.listenAddress;
    if (host === '0.0.0.0' || host === '::') host = (this.#deps.localAddress ?? firstAddress)();
    const direct = s.directIp
      ? { user: this.#directUser, host, port: s.sipPort, displayName: s.displayName }
      : undefined;
    this.#accounts.want(this.#specs, direct, s.displayName);
    const run = this.#applying.then(() => (this.#ctrl?.connected ? this.#accounts.apply() : undefined));
    this.#applying = run.catch((err) => this.#log.error({ err }, 'applying the SIP accounts failed'));
    return run;
  }

  async #launch(): Promise<void> {
    this.#ctrlPort = await freeTcpPort('127.0.0.1');
    await writeConfigDir(this.#deps.dir, {
      settings: this.#settings,
      ctrlPort: this.#ctrlPort,
      modulePath: this.#deps.modulePath ?? DEFAULT_MODULE_PATH,
      modules: this.#modules,
    });
    await endStale(
      pidFile(this.#deps.dir),
      { program: 'baresip', arg: this.#deps.dir, label: 'a baresip of a previous run' },
      this.#log,
    );
    // where incoming INVITEs come from (CallInfo.source): read from baresip's SIP trace, anew each run
    this.#recovery.cancel();
    const trace = new SipTrace((why) => {
      if (this.#trace === trace) this.#recovery.lost(why);
    });
    this.#trace = trace;
    const proc = new BaresipProcess({
      binary: this.#deps.binary ?? 'baresip',
      dir: this.#deps.dir,
      clock: this.#clock,
      log: this.#log,
      sipTrace: this.#trace,
    });
    this.#proc = proc;
    await recordPid(pidFile(this.#deps.dir), proc.pid);
    void proc.exited.then(() => {
      if (this.#proc === proc) this.#failed(proc.describeExit());
    });
    const ctrl = new CtrlClient({ clock: this.#clock, log: this.#log, commandTimeoutMs: this.#deps.commandTimeoutMs });
    try {
      await this.#connect(ctrl, proc);
    } catch (err) {
      this.#proc = undefined;
      await proc.terminate(500);
      throw err;
    }
    this.#ctrl = ctrl;
    ctrl.events.on('event', (e) => {
      if (this.#ctrl === ctrl) this.#onEvent(e);
    });
    ctrl.events.on('close', ({ reason }) => {
      if (this.#ctrl === ctrl) this.#failed(reason);
    });
    await this.#apply();
    if (this.#state !== 'starting') return; // stopped meanwhile: stop() ends the process
    if (this.#ctrl !== ctrl || !ctrl.connected) throw new Error(proc.describeExit());
    this.#state = 'running';
    this.#upSince = this.#clock.monotonic();
    this.#log.info({ pid: proc.pid, restarts: this.#restarts }, 'SIP engine ready');
    this.events.emit('engine.ready', { restarts: this.#restarts });
    this.#watchCalls();
    this.#recovery.check(); // the trace was lost while it started
  }

  async #connect(ctrl: CtrlClient, proc: BaresipProcess): Promise<void> {
    const start = this.#clock.monotonic();
    for (;;) {
      if (!proc.running) throw new Error(proc.describeExit());
      try {
        await ctrl.connect(this.#ctrlPort);
        return;
      } catch (err) {
        if (this.#clock.monotonic() - start > CONNECT_TIMEOUT_MS)
          throw new Error(`ctrl_tcp did not accept within ${CONNECT_TIMEOUT_MS} ms: ${errorMessage(err)}`);
        await this.#clock.sleep(10);
      }
    }
  }

  #onEvent(e: BaresipEvent): void {
    if (this.#state === 'stopping') return;
    if (this.#accounts.onEvent(e)) return;
    if (this.#calls.onEvent(e)) return;
    if (e.type === 'AUDIO_ERROR') this.#log.warn({ param: e.param }, 'baresip audio error');
  }

  /** baresip is gone or unusable: end what depended on it and start it again after a delay. */
  #failed(reason: string): void {
    if (this.#state !== 'running' && this.#state !== 'starting') return;
    if (this.#state === 'starting') {
      // #launch sees it and throws; start() or the restart timer decides.
      this.#ctrl?.close();
      return;
    }
    this.#state = 'restarting';
    this.#clock.clearTimeout(this.#reconcileTimer);
    this.#log.error({ reason }, 'SIP engine down: restarting it');
    const ctrl = this.#ctrl;
    const proc = this.#proc;
    this.#ctrl = undefined;
    this.#proc = undefined;
    ctrl?.close();
    proc?.kill('SIGKILL');
    this.#calls.drop(undefined, 'engine restarted');
    this.#accounts.reset('engine restarted');
    this.events.emit('engine.down', { reason });
    if (this.#clock.monotonic() - this.#upSince > (this.#deps.restart?.stableMs ?? 60_000)) this.#backoff.reset();
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    const delay = this.#backoff.next();
    this.#restartTimer = this.#clock.setTimeout(() => {
      if (this.#state !== 'restarting') return;
      this.#restarts++;
      this.#state = 'starting';
      this.#launching = this.#launch();
      this.#launching.catch((err) => this.#launchFailed(err));
    }, delay);
  }

  /** A (re)launch failed: reported as down and tried again with backoff. */
  #launchFailed(err: unknown): void {
    if (this.#state !== 'starting') return;
    this.#log.error({ err }, 'restarting the SIP engine failed');
    this.#state = 'restarting';
    this.events.emit('engine.down', { reason: errorMessage(err) });
    this.#scheduleRestart();
  }
}

function firstAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && i.family === 'IPv4') return i.address;
  }
  return '127.0.0.1';
}

/** baresip's PID, kept in its config dir: the next start ends a baresip a killed agent left (core/stale-child.ts). */
function pidFile(dir: string): string {
  return join(dir, 'baresip.pid');
}
