/**
 * The accounts as baresip holds them: reconciled with the wanted specs by `uanew`/`uadel`, their
 * registration events turned into registration states. After an authentication failure (401, 403,
 * 407) the account is taken out of baresip, whose own retries would each send 16 REGISTERs in a
 * burst, and tried again after a growing delay, or at once when its settings change.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.ts';
import { Backoff } from '../backoff.ts';
import type { AccountSpec, Registration, RegistrationState } from '../engine.ts';
import { AccountError, accountLine, directIpLine, type UaLine } from './account-line.ts';
import type { CtrlClient } from './ctrl-client.ts';
import { type BaresipEvent, parseStatus } from './messages.ts';
import type { Serial } from './serial.ts';

/** Key of the direct IP user agent (accounts are keyed by their id). */
export const DIRECT = '';

const AUTH_FAILURES = new Set([401, 403, 407]);

export type AccountSyncDeps = {
  clock: Clock;
  log: Logger;
  serial: Serial;
  ctrl: () => CtrlClient | undefined;
  emit: (r: Registration) => void;
  /** Closes the calls of a user agent that is being removed. */
  dropCalls: (key: string, reason: string) => void;
  authRetry: { minMs: number; maxMs: number };
};

/** The user agent for direct IP calls: user name, this device's address and SIP port. */
export type DirectUa = { user: string; host: string; port: number; displayName: string };

type Wanted = { ua: UaLine; spec?: AccountSpec } | { error: string; spec: AccountSpec };
type AuthHold = { line: string; timer: TimerHandle; backoff: Backoff };

/**
 * Account keys in their natural order ("2" before "10"); not localeCompare, whose ICU collator
 * costs the agent ~2 MB of resident memory for two keys.
 */
function byKey(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

export class AccountSync {
  #deps: AccountSyncDeps;
  #specs: AccountSpec[] = [];
  #direct: DirectUa | undefined;
  #fallbackName = '';
  /** What baresip holds now: key → line. */
  #applied = new Map<string, UaLine>();
  #byAor = new Map<string, string>();
  #regs = new Map<string, Registration>();
  #held = new Map<string, AuthHold>();
  #backoffs = new Map<string, Backoff>();

  constructor(deps: AccountSyncDeps) {
    this.#deps = deps;
  }

  /** The account key baresip's AOR belongs to: an account id, DIRECT, or undefined if unknown. */
  keyOf(aor: string | undefined): string | undefined {
    return aor === undefined ? undefined : this.#byAor.get(aor);
  }

  /** The AORs of the user agents baresip holds now. */
  aors(): string[] {
    return [...this.#applied.values()].map((ua) => ua.aor);
  }

  aorOf(key: string): string | undefined {
    return this.#applied.get(key)?.aor;
  }

  registrations(): Registration[] {
    return [...this.#regs.values()].sort((a, b) => byKey(a.account, b.account));
  }

  /** Sets what is wanted; `apply()` makes baresip match it. */
  want(specs: AccountSpec[], direct: DirectUa | undefined, fallbackName: string): void {
    this.#specs = specs;
    this.#direct = direct;
    this.#fallbackName = fallbackName;
  }

  /** Makes baresip hold the wanted user agents: removes the changed and the unwanted, adds the new. */
  async apply(): Promise<void> {
    const wanted = this.#wanted();
    for (const [key, ua] of [...this.#applied]) {
      const w = wanted.get(key);
      if (!w || !('ua' in w) || w.ua.line !== ua.line)
        await this.#remove(key, w ? 'account changed' : 'account removed');
    }
    for (const [key, w] of wanted) {
      if ('error' in w) {
        this.#set(key, 'failed', { reason: `invalid account: ${w.error}` });
        continue;
      }
      const held = this.#held.get(key);
      if (held && held.line === w.ua.line) continue; // waiting after an authentication failure
      if (held) this.#release(key);
      if (!this.#applied.has(key)) await this.#add(key, w.ua, w.spec);
    }
    for (const key of [...this.#regs.keys()]) {
      if (!wanted.has(key)) {
        this.#release(key);
        this.#backoffs.delete(key);
        this.#set(key, 'unregistered', { reason: 'account removed' });
        this.#regs.delete(key);
      }
    }
  }

  /** Handles a registration event; returns false if it is not one. */
  onEvent(e: BaresipEvent): boolean {
    if (e.class !== 'register' && !/^(REGISTER|UNREGISTER)/.test(e.type)) return false;
    const key = this.keyOf(e.accountaor);
    if (key === undefined || key === DIRECT) return true;
    switch (e.type) {
      case 'REGISTERING':
        this.#set(key, 'registering');
        break;
      case 'REGISTER_OK':
        this.#backoffs.get(key)?.reset();
        this.#set(key, 'registered');
        break;
      case 'REGISTER_FAIL': {
        const { code, reason } = parseStatus(e.param);
        this.#set(key, 'failed', { reason: reason || 'registration failed', code });
        if (code !== undefined && AUTH_FAILURES.has(code)) this.#holdAfterAuthFailure(key);
        break;
      }
      case 'UNREGISTERING':
        this.#set(key, 'unregistered');
        break;
    }
    return true;
  }

  /** baresip is gone: nothing is applied any more; the states say so. */
  reset(reason: string): void {
    this.#applied.clear();
    this.#byAor.clear();
    for (const key of [...this.#held.keys()]) this.#release(key);
    for (const key of this.#regs.keys()) this.#set(key, 'unregistered', { reason });
  }

  /** Stops the retry timers (engine stopping). */
  close(): void {
    for (const key of [...this.#held.keys()]) this.#release(key);
  }

  #wanted(): Map<string, Wanted> {
    const out = new Map<string, Wanted>();
    if (this.#direct) {
      try {
        out.set(DIRECT, { ua: directIpLine(this.#direct) });
      } catch (err) {
        this.#deps.log.error({ err }, 'direct IP calls are off: the listen address cannot be used');
      }
    }
    const aors = new Map<string, string>();
    for (const spec of this.#specs) {
      try {
        const ua = accountLine(spec, this.#fallbackName);
        const other = aors.get(ua.aor) ?? (out.get(DIRECT) as { ua?: UaLine } | undefined)?.ua?.aor;
        if (aors.has(ua.aor) || other === ua.aor)
          throw new AccountError(`${ua.aor} is already used by account ${aors.get(ua.aor) ?? 'direct IP'}`);
        aors.set(ua.aor, spec.id);
        out.set(spec.id, { ua, spec });
      } catch (err) {
        if (!(err instanceof AccountError)) throw err;
        out.set(spec.id, { error: err.message, spec });
      }
    }
    return out;
  }

  async #add(key: string, ua: UaLine, spec: AccountSpec | undefined): Promise<void> {
    const ctrl = this.#deps.ctrl();
    if (!ctrl) return;
    // Known before the command: its first event (REGISTERING) comes before its response.
    this.#applied.set(key, ua);
    this.#byAor.set(ua.aor, key);
    const [p] = await this.#deps.serial.run(() => ctrl.send([{ command: 'uanew', params: ua.line }]));
    const r = await p!.catch((err: Error) => ({ ok: false, data: err.message }));
    if (!r.ok) {
      this.#applied.delete(key);
      this.#byAor.delete(ua.aor);
      const reason = `baresip refused the account: ${r.data.trim().split('\n').pop()}`;
      if (key === DIRECT) this.#deps.log.error({ reason }, 'direct IP calls are off');
      else this.#set(key, 'failed', { reason });
      return;
    }
    if (spec?.mode === 'static-ip') this.#set(key, 'unregistered', { reason: 'static-ip mode: no registration' });
    if (spec?.dtmfMode === 'info')
      this.#deps.log.warn(
        { account: key },
        'baresip 1.0.0 cannot send DTMF as SIP INFO: digits are sent as RFC 4733 events (SIP INFO is received)',
      );
  }

  async #remove(key: string, reason: string): Promise<void> {
    const ua = this.#applied.get(key);
    if (!ua) return;
    this.#applied.delete(key);
    this.#byAor.delete(ua.aor);
    this.#deps.dropCalls(key, reason);
    const ctrl = this.#deps.ctrl();
    if (!ctrl) return;
    const [p] = await this.#deps.serial.run(() => ctrl.send([{ command: 'uadel', params: ua.aor }]));
    await p!.catch(() => undefined);
  }

  #holdAfterAuthFailure(key: string): void {
    const ua = this.#applied.get(key);
    if (!ua || this.#held.has(key)) return;
    let backoff = this.#backoffs.get(key);
    if (!backoff)
      this.#backoffs.set(key, (backoff = new Backoff(this.#deps.authRetry.minMs, this.#deps.authRetry.maxMs)));
    const delay = backoff.next();
    this.#deps.log.warn(
      { account: key, retryInMs: delay },
      'authentication failed: the account is paused until its settings change or the retry time',
    );
    const timer = this.#deps.clock.setTimeout(() => {
      const h = this.#held.get(key);
      if (!h || h.timer !== timer) return;
      this.#held.delete(key);
      this.apply().catch((err) => this.#deps.log.warn({ err }, 'retrying the account failed'));
    }, delay);
    this.#held.set(key, { line: ua.line, timer, backoff });
    void this.#remove(key, 'authentication failed');
  }

  #release(key: string): void {
    const h = this.#held.get(key);
    if (!h) return;
    this.#deps.clock.clearTimeout(h.timer);
    this.#held.delete(key);
  }

  #set(key: string, state: RegistrationState, extra: { reason?: string; code?: number } = {}): void {
    const prev = this.#regs.get(key);
    const next: Registration = { account: key, state };
    if (extra.reason) next.reason = extra.reason;
    if (extra.code !== undefined) next.code = extra.code;
    if (prev && prev.state === next.state && prev.reason === next.reason && prev.code === next.code) return;
    this.#regs.set(key, next);
    this.#deps.emit({ ...next });
  }
}
