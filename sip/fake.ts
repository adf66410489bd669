/**
 * A SIP engine for unit tests of the call features: it records what the agent asks of it and lets
 * the test play the remote parties (incoming calls, ringing, answer, refusal, DTMF, hangup).
 * Events caused by the agent's own commands are emitted in a microtask, as a real engine would
 * emit them after the command returns; events the test plays are emitted at once.
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

export class FakeSipEngine implements SipEngine {
  readonly events = new TypedEmitter<SipEvents>();
  readonly ops: FakeOp[] = [];
  accounts: AccountSpec[] = [];
  running = false;
  #clock: Clock;
  #calls = new Map<string, CallInfo>();
  #regs = new Map<string, Registration>();
  #next = 1;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  async setAccounts(accounts: AccountSpec[]): Promise<void> {
    this.accounts = accounts;
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
    queueMicrotask(() => this.events.emit('call.outgoing', { call: { ...call } }));
    return { ...call };
  }

  async answer(callId: string, opts: { video?: boolean } = {}): Promise<void> {
    const call = this.#get(callId);
    this.ops.push({ op: 'answer', callId, ...(opts.video ? { video: true } : {}) });
    if (call.state !== 'incoming') throw new Error(`call ${callId} is ${call.state}, not incoming`);
    queueMicrotask(() => this.#establish(call));
  }

  async hangup(callId: string): Promise<void> {
    const call = this.#get(callId);
    this.ops.push({ op: 'hangup', callId });
    queueMicrotask(() => this.#close(call, { reason: 'local hangup' }));
  }

  async reject(callId: string, code: number): Promise<void> {
    const call = this.#get(callId);
    this.ops.push({ op: 'reject', callId, code });
    queueMicrotask(() => this.#close(call, { reason: `rejected with ${code}`, code }));
  }

  async sendDtmf(callId: string, digits: string): Promise<void> {
    this.#get(callId);
    this.ops.push({ op: 'dtmf', callId, digits });
  }

  async hold(callId: string): Promise<void> {
    this.#get(callId);
    this.ops.push({ op: 'hold', callId });
  }

  async resume(callId: string): Promise<void> {
    this.#get(callId);
    this.ops.push({ op: 'resume', callId });
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
