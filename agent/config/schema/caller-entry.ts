/**
 * Entries of the allowed callers list, and the SIP party they are matched against: parsing only
 * (the decision is in `agent/features/support/callers.ts`). An entry is one of
 *   - a SIP URI: `sip:101@10.0.0.5`, `sip:monitor@[fe80::1]:5060`, `sip:pbx.example.com` (any user there),
 *     `101@10.0.0.5` (scheme optional); the port and URI parameters are ignored;
 *   - an IP address or a CIDR range, IPv4 or IPv6: `10.0.0.5`, `192.168.1.0/24`, `fe80::1`, `[fe80::1]`, `fd00::/8`;
 *   - a user part or number: `101`, `+4930123`, `monitor` (the caller's user part on a call through a SIP account).
 */
import { isIP } from 'node:net';

export type CallerEntry =
  | { kind: 'uri'; user?: string; host: string }
  | { kind: 'address'; address: string; family: 4 | 6 }
  | { kind: 'range'; address: string; prefix: number; family: 4 | 6 }
  | { kind: 'user'; user: string };

/** A SIP party as far as it can be read from a URI, a name-addr or a bare address. */
export type SipParty = { user?: string; host?: string };

const USER = /^[A-Za-z0-9_.+*#!~$&'()=%-]+$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;
const NUMBER_OR_NAME = /^[A-Za-z0-9_.+*#-]{1,64}$/;

/** An IP address without brackets or zone, IPv4-mapped IPv6 as IPv4; undefined if it is none. */
export function normalizeAddress(text: string): { address: string; family: 4 | 6 } | undefined {
  let a = text.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1]!;
  const family = isIP(a);
  if (family === 4) return { address: a, family: 4 };
  if (family === 6) return { address: a.toLowerCase(), family: 6 };
  return undefined;
}

/** Splits `host[:port]`, `[v6][:port]` or a bare IPv6 address; the host lowercased, IPv6 without brackets. */
function hostOf(hostport: string): string | undefined {
  const hp = hostport.trim();
  if (hp.startsWith('[')) {
    const end = hp.indexOf(']');
    if (end < 0) return undefined;
    const rest = hp.slice(end + 1);
    if (rest && !/^:\d{1,5}$/.test(rest)) return undefined;
    return normalizeAddress(hp.slice(1, end))?.address;
  }
  const bare = normalizeAddress(hp);
  if (bare) return bare.address;
  const m = /^([^:]+)(?::\d{1,5})?$/.exec(hp);
  if (!m) return undefined;
  const host = m[1]!;
  const ip = normalizeAddress(host);
  if (ip) return ip.address;
  return HOST_NAME.test(host) ? host.toLowerCase() : undefined;
}

/**
 * Reads the user and host of a SIP party: `sip:101@10.0.0.5:5060`, `<sip:101@h>;tag=1`,
 * `"Door" <sips:a@[fe80::1]:5061;transport=tls>`, `sip:h`, a bare address `10.0.0.5` or `fe80::1`,
 * a bare number `101`. Anything else gives an empty party (it matches nothing).
 */
export function parseSipParty(text: string): SipParty {
  let t = text.trim();
  const lt = t.indexOf('<');
  if (lt >= 0) {
    const gt = t.indexOf('>', lt);
    if (gt < 0) return {};
    t = t.slice(lt + 1, gt);
  }
  const scheme = /^sips?:/i.exec(t);
  if (scheme) t = t.slice(scheme[0].length);
  else {
    const bare = normalizeAddress(t);
    if (bare) return { host: bare.address };
  }
  // URI parameters and headers are not part of the host.
  t = t.replace(/[;?].*$/, '');
  const at = t.lastIndexOf('@');
  if (at >= 0) {
    const user = decodeUser(t.slice(0, at).split(':')[0]!);
    const host = hostOf(t.slice(at + 1));
    return host === undefined || user === undefined ? {} : { user, host };
  }
  if (!scheme && NUMBER_OR_NAME.test(t) && !t.includes('.')) return { user: t };
  const host = hostOf(t);
  return host === undefined ? {} : { host };
}

function decodeUser(raw: string): string | undefined {
  if (!raw || !USER.test(raw)) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Parses one entry of the allow-list; a string is the reason it is not one. */
export function parseCallerEntry(text: string): CallerEntry | string {
  const t = text.trim();
  if (!t) return 'must not be empty';
  if (/^sips?:/i.test(t) || t.includes('@')) {
    const p = parseSipParty(/^sips?:/i.test(t) ? t : `sip:${t}`);
    if (!p.host) return `"${t}" is not a SIP URI such as sip:101@10.0.0.5`;
    return p.user === undefined ? { kind: 'uri', host: p.host } : { kind: 'uri', user: p.user, host: p.host };
  }
  const slash = t.indexOf('/');
  if (slash >= 0) {
    const a = normalizeAddress(t.slice(0, slash));
    const bits = t.slice(slash + 1);
    if (!a || !/^\d{1,3}$/.test(bits)) return `"${t}" is not an address range such as 192.168.1.0/24 or fd00::/8`;
    const prefix = Number(bits);
    const max = a.family === 4 ? 32 : 128;
    if (prefix > max) return `"${t}": the prefix length must be at most ${max}`;
    return { kind: 'range', address: a.address, prefix, family: a.family };
  }
  const a = normalizeAddress(t);
  if (a) return { kind: 'address', address: a.address, family: a.family };
  if (/^\d+(\.\d+){3}$/.test(t) || t.includes(':') || t.includes('[')) return `"${t}" is not a valid IP address`;
  if (NUMBER_OR_NAME.test(t)) return { kind: 'user', user: t };
  return `"${t}" is not a SIP URI, IP address, address range or number`;
}

/** The schema's check of one entry: the reason it is not valid, or undefined. */
export function callerEntryProblem(text: string): string | undefined {
  const e = parseCallerEntry(text);
  return typeof e === 'string' ? e : undefined;
}
