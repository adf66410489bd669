/**
 * Do Not Disturb per account: while DND is on (the whole day or during its schedule), incoming
 * calls on that account are rejected with the configured return code. When DND turns on or off
 * the DND on/off code is sent to the SIP server as a call to that code.
 */
import type { Config } from '../config/index.ts';
import { Feature } from './support/feature.ts';
import { isNamedActive } from './support/schedules.ts';

/** Is DND in force for account `id` ('1', '2' ...) at `now`? */
export function dndActive(config: Config, id: string | null, now: number): boolean {
  // The resident's DND on an indoor monitor: every call, direct IP too (agent/monitor).
  if (config.identity.role === 'indoor-monitor' && config.monitor.dnd) return true;
  if (id === null) return false;
  const d = config.accounts[Number(id) - 1]?.dnd;
  if (!d?.enabled) return false;
  return d.when === 'whole-day' || isNamedActive(config, d.schedule, now);
}

/** A feature code call is ended this long after it was answered, or given up after `CODE_CALL_MS`. */
const CODE_ANSWERED_MS = 1000;
const CODE_CALL_MS = 10_000;

export class Dnd extends Feature {
  readonly name = 'dnd';
  #state = new Map<string, boolean>();

  override async start(): Promise<void> {
    await super.start();
    for (const id of this.#accountIds()) this.#state.set(id, dndActive(this.config, id, this.deps.clock.now()));
    this.#tickAtNextMinute();
  }

  protected subscribe(): void {
    this.on('call.incoming', ({ call }) => {
      if (!dndActive(this.config, call.account, this.deps.clock.now())) return;
      const account = call.account === null ? undefined : this.config.accounts[Number(call.account) - 1];
      const code = Number(account?.dnd.returnCode ?? 486);
      this.log.info({ call: call.id, peer: call.peer, code }, 'DND: rejecting the call');
      this.attempt('DND reject', this.deps.sip.reject(call.id, code));
    });
    this.on('config.changed', (c) => {
      if (
        c.keys.some(
          (k) =>
            k.startsWith('accounts.') || k.startsWith('schedules.') || k === 'identity.timeZone' || k === 'monitor.dnd',
        )
      )
        this.#check();
    });
  }

  #accountIds(): string[] {
    return this.config.accounts.map((_, i) => String(i + 1));
  }

  #tickAtNextMinute(): void {
    const now = this.deps.clock.now();
    this.after(60_000 - (now % 60_000), () => {
      this.#check();
      this.#tickAtNextMinute();
    });
  }

  /** Sends the on/off code of each account whose DND state changed. */
  #check(): void {
    const now = this.deps.clock.now();
    for (const id of this.#accountIds()) {
      const on = dndActive(this.config, id, now);
      if (this.#state.get(id) === on) continue;
      this.#state.set(id, on);
      this.deps.bus.emit('dnd.changed', { account: id, on, at: now });
      const account = this.config.accounts[Number(id) - 1]!;
      const code = on ? account.dnd.onCode : account.dnd.offCode;
      if (!account.enabled || !code) continue;
      this.log.info({ account: id, code }, `DND ${on ? 'on' : 'off'}: sending the code to the SIP server`);
      this.#sendCode(id, code);
    }
  }

  #sendCode(account: string, code: string): void {
    let callId: string;
    try {
      callId = this.deps.sip.dial(code, { account }).id;
    } catch (err) {
      this.log.warn({ err, code }, 'could not send the DND code');
      return;
    }
    const giveUp = this.after(CODE_CALL_MS, () => this.attempt('DND code call', this.deps.sip.hangup(callId)));
    const off = this.deps.bus.on('call.established', ({ call }) => {
      if (call.id !== callId) return;
      off();
      this.cancel(giveUp);
      this.after(CODE_ANSWERED_MS, () => this.attempt('DND code call', this.deps.sip.hangup(callId)));
    });
    const offClosed = this.deps.bus.on('call.closed', ({ call }) => {
      if (call.id !== callId) return;
      off();
      offClosed();
      this.cancel(giveUp);
    });
  }
}
