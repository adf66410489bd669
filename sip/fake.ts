/**
 * A SIP engine for unit tests of the call features: it records what the agent asks of it and lets
 * the test play the remote parties (incoming calls, ringing, answer, refusal, DTMF, hangup).
 * Events caused by the agent's own commands are emitted in a microtask, as a real engine would
 * emit them after the command returns; events the test plays are emitted at once.
 *
 * Two spellings of the controls exist (both kept, tests use either): `incoming`/`remoteAnswer`/
 * `remoteHangup`/`ops` ..., and `simulateIncoming`/`simulateAnswer`/`simulateRemoteHangup`/
 * `actionsOf` ... (the latter record the full dial options, e.g. `timeoutMs`).
 *
 * Where it behaves as the real engine (sip/baresip), so that a unit test cannot pass on behaviour
 * the device does not have:
 * - `reject(id, code)` records the code the agent asked for (`ops`, `actions`), but the call ends
 *   as baresip 1.0.0 ends it: with 486 Busy Here whatever the code (`call.closed` end
 *   `{ reason: 'rejected (486 sent for 480)', code: 486 }`, or `{ reason: 'rejected', code: 486 }`);
 *   the real driver also logs a warning, which this fake does not (it has no logger).
 * - `reject` and `answer` of a call that is not ringing here throw, as the real driver does.
 * - `hangup` of a call still ringing here refuses it: the end is `{ reason: 'rejected', code: 486 }`.
 * Where it differs, and why:
 * - the remote side played by the test (`remoteReject`, `simulateReject`) takes any code: a remote
 *   party can send any final response;
 * - `hangup` of a call that is not open throws (`no call <id>`), where the real driver ignores it:
 *   a unit test that hangs up a call that does not exist has a mistake worth seeing.
 */
import { type Clock, TypedEmitter } from '../core/index.ts';
import type {
  AccountSpec,
  CallEnd,
  CallInfo,
  DialOptions,
  Registration,
  RegistrationState,
  SipEngine,
  SipEvents,
} from './engine.ts';

export type FakeOp =
  | { op: 'dial'; callId: string; target: string; account?: string; video?: boolean }
  | { op: 'answer'; callId: string; video?: boolean }
  | { op: 'hangup'; callId: string }
  | { op: 'reject'; callId: string; code: number }
  | { op: 'dtmf'; callId: string; digits: string }
  | { op: 'hold'; callId: string }
  | { op: 'resume'; callId: string };

/** What the agent asked, with every option it gave. */
export type FakeAction =
  | { kind: 'dial'; callId: string; target: string; opts: DialOptions }
  | { kind: 'answer'; callId: string; video: boolean }
  | { kind: 'hangup'; callId: string }
  | { kind: 'reject'; callId: string; code: number }
  | { kind: 'dtmf'; callId: string; digits: string }
  | { kind: 'hold'; callId: string }
  | { kind: 'resume'; callId: string }
  | { kind: 'setAccounts'; accounts: AccountSpec[] };

export class FakeSipEngine implements SipEngine {
  readonly events = new TypedEmitter<SipEvents>();
  readonly ops: FakeOp[] = [];
  /** The same as `ops`, with the full options (see `actionsOf`). */
  readonly actions: FakeAction[] = [];
  accounts: AccountSpec[] = [];
  running = false;
  #clock: Clock;
  #calls = new Map<string, CallInfo>();
  #regs = new Map<string, Registration>();
  #next = 1;

  constructor(clock: Clock | { clock?: Clock } = {}) {
    const c = 'now' in clock ? clock : clock.clock;
    this.#clock = c ?? ({ now: () => Date.now() } as Clock);
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  async setAccounts(accounts: AccountSpec[]): Promise<void> {
    this.accounts = accounts;
    this.actions.push({ kind: 'setAccounts', accounts });
  }

  dial(target: string, opts: DialOptions = {}): CallInfo {
    const call: CallInfo = {
      id: `out-${this.#next++}`,
      direction: 'outgoing',
      account: opts.account ?? null,
      peer: target,
      peerName: '',
      state: 'dialing',
      startedAt: this.#clock.now(),
    };
    this.#calls.set(call.id, call);
    this.ops.push({
      op: 'dial',
      callId: call.id,
      target,
      ...(opts.account ? { account: opts.account } : {}),
      ...(opts.video ? { video: true } : {}),
    });
    this.actions.push({ kind: 'dial', callId: call.id, target, opts: { ...opts } });
    queueMicrotask(() => this.events.emit('call.outgoing', { call: { ...call } }));
    return { ...call };
  }

  async answer(callId: string, opts: { video?: boolean } = {}): Promise<void> {
    const call = this.#get(callId);
    this.ops.push({ op: 'answer', callId, ...(opts.video ? { video: true } : {}) });
    this.actions.push({ kind: 'answer', callId, video: opts.video ?? false });
    if (call.state !== 'incoming') throw new Error(`call ${callId} is ${call.state}, not incoming`);
    queueMicrotask(() => this.#establish(call));
  }

  async hangup(callId: string): Promise<void> {
    const call = this.#get(callId);
    this.ops.push({ op: 'hangup', callId });
    this.actions.push({ kind: 'hangup', callId });
    const end: CallEnd = call.state === 'incoming' ? { reason: 'rejected', code: 486 } : { reason: 'local hangup' };
    queueMicrotask(() => this.#close(call, end));
  }

  /** As baresip 1.0.0: whatever the code asked for, 486 goes out (see the top of this file). */
  async reject(callId: string, code: number): Promise<void> {
    const call = this.#get(callId);
    this.ops.push({ op: 'reject', callId, code });
    this.actions.push({ kind: 'reject', callId, code });
    if (call.state !== 'incoming') throw new Error(`call ${callId} is not ringing here (it is ${call.state})`);
    const end: CallEnd = { reason: code === 486 ? 'rejected' : `rejected (486 sent for ${code})`, code: 486 };
    queueMicrotask(() => this.#close(call, end));
  }

  async sendDtmf(callId: string, digits: string): Promise<void> {
    this.#get(callId);
    this.ops.push({ op: 'dtmf', callId, digits });
    this.actions.push({ kind: 'dtmf', callId, digits });
  }

  async hold(callId: string): Promise<void> {
    this.#get(callId);
    this.ops.push({ op: 'hold', callId });
    this.actions.push({ kind: 'hold', callId });
  }

  async resume(callId: string): Promise<void> {
    this.#get(callId);
    this.ops.push({ op: 'resume', callId });
    this.actions.push({ kind: 'resume', callId });
  }

  calls(): CallInfo[] {
    return [...this.#calls.values()].map((c) => ({ ...c }));
  }

  registrations(): Registration[] {
    return [...this.#regs.values()];
  }

  // ---- the remote side, played by the test ----

  /** An incoming call arrives (account null = a direct IP call). */
  incoming(from: string, opts: { account?: string | null; name?: string } = {}): CallInfo {
    const call: CallInfo = {
      id: `in-${this.#next++}`,
      direction: 'incoming',
      account: opts.account === undefined ? '1' : opts.account,
      peer: from,
      peerName: opts.name ?? '',
      state: 'incoming',
      startedAt: this.#clock.now(),
    };
    this.#calls.set(call.id, call);
    this.events.emit('call.incoming', { call: { ...call } });
    return { ...call };
  }

  remoteRinging(callId: string): void {
    const call = this.#get(callId);
    call.state = 'ringing';
    this.events.emit('call.ringing', { call: { ...call } });
  }

  remoteAnswer(callId: string): void {
    this.#establish(this.#get(callId));
  }

  remoteReject(callId: string, code: number, reason = `${code} Rejected`): void {
    this.#close(this.#get(callId), { reason, code });
  }

  remoteHangup(callId: string): void {
    this.#close(this.#get(callId), { reason: 'remote hangup' });
  }

  remoteDtmf(callId: string, digits: string): void {
    const call = this.#get(callId);
    for (const digit of digits) this.events.emit('call.dtmf', { call: { ...call }, digit });
  }

  setRegistration(account: string, state: RegistrationState, reason?: string): void {
    const r: Registration = { account, state, ...(reason ? { reason } : {}) };
    this.#regs.set(account, r);
    this.events.emit('registration', r);
  }

  /** The calls the agent dialed, oldest first. */
  dialed(): { callId: string; target: string; account?: string }[] {
    return this.ops.flatMap((o) =>
      o.op === 'dial' ? [{ callId: o.callId, target: o.target, account: o.account }] : [],
    );
  }

  /** Ids of the calls a given command was applied to. */
  opsOf(op: FakeOp['op']): string[] {
    return this.ops.filter((o) => o.op === op).map((o) => o.callId);
  }

  isOpen(callId: string): boolean {
    return this.#calls.has(callId);
  }

  // ---- the same controls, second spelling ----

  /** The recorded actions of one kind, with their full options. */
  actionsOf<K extends FakeAction['kind']>(kind: K): Extract<FakeAction, { kind: K }>[] {
    return this.actions.filter((a): a is Extract<FakeAction, { kind: K }> => a.kind === kind);
  }

  /** An incoming call rings here (`account` null = direct IP call). */
  simulateIncoming(opts: { account?: string | null; peer?: string; peerName?: string } = {}): CallInfo {
    return this.incoming(opts.peer ?? 'sip:100@127.0.0.1', { account: opts.account, name: opts.peerName });
  }

  simulateRinging(callId: string): void {
    this.remoteRinging(callId);
  }

  simulateAnswer(callId: string): void {
    this.remoteAnswer(callId);
  }

  /** The callee refused: 486 busy, 603 declined, 404 unknown, 480 ... */
  simulateReject(callId: string, code: number, reason?: string): void {
    this.remoteReject(callId, code, reason);
  }

  simulateRemoteHangup(callId: string): void {
    this.remoteHangup(callId);
  }

  /** Ends a call with any reason ("dial-out timeout", "engine restarted" ...). */
  simulateClosed(callId: string, end: CallEnd): void {
    this.#close(this.#get(callId), end);
  }

  simulateDtmf(callId: string, digits: string): void {
    this.remoteDtmf(callId, digits);
  }

  simulateRegistration(
    account: string,
    state: RegistrationState,
    extra: { reason?: string; code?: number } = {},
  ): void {
    const r: Registration = { account, state, ...extra };
    this.#regs.set(account, r);
    this.events.emit('registration', r);
  }

  /** The engine went down and came back: calls end with "engine restarted". */
  simulateRestart(reason = 'baresip killed by SIGKILL'): void {
    for (const call of [...this.#calls.values()]) this.#close(call, { reason: 'engine restarted' });
    this.events.emit('engine.down', { reason });
    this.events.emit('engine.ready', { restarts: 1 });
  }

  #get(callId: string): CallInfo {
    const call = this.#calls.get(callId);
    if (!call) throw new Error(`no call ${callId}`);
    return call;
  }

  #establish(call: CallInfo): void {
    if (call.state === 'established' || !this.#calls.has(call.id)) return;
    call.state = 'established';
    call.answeredAt = this.#clock.now();
    this.events.emit('call.established', { call: { ...call } });
  }

  #close(call: CallInfo, end: CallEnd): void {
    if (!this.#calls.delete(call.id)) return;
    call.state = 'closed';
    this.events.emit('call.closed', { call: { ...call }, end });
  }
}
