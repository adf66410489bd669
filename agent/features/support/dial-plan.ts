/** Which account a number is called with. */
import type { Registration } from '../../../sip/engine.ts';
import type { Config } from '../../config/index.ts';

export type DialPlan = { ok: true; target: string; account?: string } | { ok: false; error: string };

const IP_TARGET = /^(sip:)?([^@]+@)?(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(:\d+)?(;.*)?$/;

/** True for targets that name a device by address (direct IP calls). */
export function isAddressTarget(target: string): boolean {
  return IP_TARGET.test(target);
}

/**
 * `choice` is the configured account: '1', '2' ..., or 'auto' = direct IP for addresses, else the
 * first registered account (or static-IP account), else the first enabled account.
 */
export function dialPlan(target: string, choice: string, config: Config, registrations: Registration[]): DialPlan {
  const enabled = config.accounts.map((a, i) => ({ a, id: String(i + 1) })).filter((x) => x.a.enabled);
  if (choice !== 'auto') {
    const chosen = enabled.find((x) => x.id === choice);
    return chosen ? { ok: true, target, account: chosen.id } : { ok: false, error: `account ${choice} is not enabled` };
  }
  if (isAddressTarget(target)) {
    return config.directIp.enabled
      ? { ok: true, target }
      : { ok: false, error: `${target} is an IP address but direct IP calls are disabled` };
  }
  const registered = new Set(registrations.filter((r) => r.state === 'registered').map((r) => r.account));
  const pick = enabled.find((x) => registered.has(x.id) || x.a.mode === 'static-ip') ?? enabled[0];
  if (!pick) return { ok: false, error: `no SIP account is enabled to call ${target}` };
  return { ok: true, target, account: pick.id };
}
