/**
 * A SipEngine whose engine can be replaced (new engine settings mean a new engine) while the rest
 * of the agent keeps the same object and the same event emitter.
 */
import { TypedEmitter } from '../core/index.ts';
import {
  type AccountSpec,
  type CallInfo,
  type DialOptions,
  type Registration,
  SIP_EVENTS,
  type SipEngine,
  type SipEvents,
} from './engine.ts';

export class EngineSlot implements SipEngine {
  readonly events = new TypedEmitter<SipEvents>();
  #engine: SipEngine;
  #offs: (() => void)[] = [];

  constructor(engine: SipEngine) {
    this.#engine = engine;
    this.#attach(engine);
  }

  get engine(): SipEngine {
    return this.#engine;
  }

  /** Stops the engine in place and starts `next` with the accounts it had. */
  async replace(next: SipEngine, accounts: AccountSpec[], running: boolean): Promise<void> {
    const old = this.#engine;
    await old.stop();
    for (const off of this.#offs.splice(0)) off();
    this.#engine = next;
    this.#attach(next);
    await next.setAccounts(accounts);
    if (running) await next.start();
  }

  #attach(engine: SipEngine): void {
    for (const name of SIP_EVENTS) this.#offs.push(engine.events.on(name, (p) => this.events.emit(name, p as never)));
  }

  start(): Promise<void> {
    return this.#engine.start();
  }
  stop(): Promise<void> {
    return this.#engine.stop();
  }
  setAccounts(accounts: AccountSpec[]): Promise<void> {
    return this.#engine.setAccounts(accounts);
  }
  dial(target: string, opts?: DialOptions): CallInfo {
    return this.#engine.dial(target, opts);
  }
  answer(callId: string, opts?: { video?: boolean }): Promise<void> {
    return this.#engine.answer(callId, opts);
  }
  hangup(callId: string): Promise<void> {
    return this.#engine.hangup(callId);
  }
  reject(callId: string, code: number): Promise<void> {
    return this.#engine.reject(callId, code);
  }
  sendDtmf(callId: string, digits: string): Promise<void> {
    return this.#engine.sendDtmf(callId, digits);
  }
  hold(callId: string): Promise<void> {
    return this.#engine.hold(callId);
  }
  resume(callId: string): Promise<void> {
    return this.#engine.resume(callId);
  }
  calls(): CallInfo[] {
    return this.#engine.calls();
  }
  registrations(): Registration[] {
    return this.#engine.registrations();
  }
}
