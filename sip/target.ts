/**
 * Turns what the agent dials (an extension, a number, an IP address, a SIP URI) into the full SIP
 * URI to call, for an account or for a direct IP call. Knows nothing of any SIP stack.
 */
import type { AccountSpec } from './engine.ts';

export class TargetError extends Error {}

/** The SIP user of this device for direct IP calls, unless the settings name another. */
export const DEFAULT_DIRECT_IP_USER = 'portier';

const ADDRESS = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?$/;
const HOSTPORT = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?$/;
/** Characters left as they are in the user part of a SIP URI (RFC 3261 user-unreserved + unreserved). */
const USER_SAFE = /[A-Za-z0-9\-_.!~*'()&=+$,?/]/;

/** True for an IPv4 address or a bracketed IPv6 address, with an optional port. */
export function isAddress(target: string): boolean {
  return ADDRESS.test(target.trim());
}

/** Escapes a user part (`#` of a feature code becomes `%23`); rejects spaces and control characters. */
export function escapeUser(user: string): string {
  let out = '';
  for (const ch of user) {
    if (USER_SAFE.test(ch)) out += ch;
    else if (ch === '%' || ch.charCodeAt(0) <= 0x20 || ch.charCodeAt(0) === 0x7f)
      throw new TargetError(`"${user}" cannot be a SIP user name (it contains ${JSON.stringify(ch)})`);
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** `host[:port]` as it goes into a URI: the port only when it is not the transport's default. */
export function hostPort(host: string, port: number, transport: AccountSpec['transport']): string {
  const std = transport === 'tls' ? 5061 : 5060;
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === std ? h : `${h}:${port}`;
}

/**
 * The SIP URI for `target`. With an account, bare extensions and numbers go to the account's server;
 * without one (direct IP) the target must be an address or a SIP URI. A URI or address without a
 * user part is given `directIpUser`, because a SIP URI with no user reaches no user agent on devices
 * like this one.
 */
export function completeTarget(
  target: string,
  ctx: { account?: Pick<AccountSpec, 'server' | 'port' | 'transport'>; directIpUser: string },
): string {
  const t = target.trim();
  if (!t) throw new TargetError('nothing to dial: the target is empty');
  const scheme = /^(sips?):/i.exec(t);
  if (scheme) {
    const rest = t.slice(scheme[0].length);
    if (!rest) throw new TargetError(`${target}: no address after the scheme`);
    const at = rest.indexOf('@');
    if (at > 0) return `${scheme[1]!.toLowerCase()}:${rest}`;
    return `${scheme[1]!.toLowerCase()}:${escapeUser(ctx.directIpUser)}@${rest}`;
  }
  const at = t.indexOf('@');
  if (at > 0) {
    const host = t.slice(at + 1);
    if (!HOSTPORT.test(host.split(';')[0]!))
      throw new TargetError(`${target}: "${host}" is not a host name or address`);
    return `sip:${escapeUser(t.slice(0, at))}@${host}`;
  }
  if (isAddress(t)) return `sip:${escapeUser(ctx.directIpUser)}@${t}`;
  if (!ctx.account) {
    throw new TargetError(`${target}: a direct IP call needs an IP address or a SIP URI (or dial it with an account)`);
  }
  const { server, port, transport } = ctx.account;
  if (!server) throw new TargetError(`${target}: the account has no SIP server to send the call to`);
  return `sip:${escapeUser(t)}@${hostPort(server, port, transport)}`;
}
