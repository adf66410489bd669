/**
 * Who may do what (DESIGN.md): is the caller of an incoming call one the installer allowed, so that
 * its call may be auto-answered and its DTMF codes open the door? Allowed are
 *   - the allow-list (`callFeature.callers.allowList`): SIP URIs, IP addresses and ranges, numbers;
 *   - the numbers the door calls (`calledNumbers`): push button numbers, group call number, call
 *     schedule numbers: the indoor monitors;
 *   - the SIP server's accounts (`sipServer`): a call on an enabled SIP account whose caller's host is
 *     that account's SIP server or outbound proxy, i.e. an extension of the PBX calling through it.
 * Calls the door placed (outgoing) accept DTMF codes whatever the list says: the door chose whom to call.
 *
 * What is checked: the caller's URI (the From header, which a caller can write as it likes) and the
 * address the INVITE came from (`source`), which the baresip engine reads from its SIP trace. When
 * the engine tracks sources, IP addresses and ranges, and SIP URIs whose host is an IP address, are
 * matched against that source only (an unknown source, '', matches no address); an engine that does
 * not track them (the fake) leaves `source` out, and the From host is used. Numbers and user names
 * match only on calls through a SIP account (on direct IP calls anyone can claim any number); host
 * names (a URI entry's or an account's SIP server) are compared with the From host.
 */
import { BlockList } from 'node:net';
import type { Config } from '../../config/index.ts';
import {
  type CallerEntry,
  normalizeAddress,
  parseCallerEntry,
  parseSipParty,
  type SipParty,
} from '../../config/schema/caller-entry.ts';

/** What the decision needs of a call (a `CallInfo` has it; `source` when the engine tracks it). */
export type CallerCall = {
  direction: 'incoming' | 'outgoing';
  /** Account id, or null for a direct IP call. */
  account: string | null;
  /** The remote party's URI (for an incoming call: the From URI). */
  peer: string;
  /**
   * The address the INVITE came from (`192.0.2.1:5060`, `[fe80::1]:5060` ...), when the engine tracks
   * it; '' = tracked but unknown for this call, and then no address matches (not even the From host).
   */
  source?: string;
};

export type CallerVerdict = { allowed: boolean; why: string };

/** What is known of the caller. */
type Caller = {
  from: SipParty;
  /** The engine tracks sources: addresses are matched against `source` only. */
  tracked: boolean;
  source?: { address: string; family: 4 | 6 };
  onAccount: boolean;
};

/** Is this incoming call from an allowed caller? (An outgoing call is judged by `dtmfAccepted`.) */
export function callerAllowed(config: Config, call: CallerCall): CallerVerdict {
  const s = config.callFeature.callers;
  const caller: Caller = {
    from: parseSipParty(call.peer),
    tracked: call.source !== undefined,
    source: call.source === undefined ? undefined : sourceAddress(call.source),
    onAccount: call.account !== null,
  };
  for (const text of s.allowList) {
    const e = parseCallerEntry(text);
    if (typeof e !== 'string' && matches(e, caller)) return { allowed: true, why: `allow-list ${text}` };
  }
  if (s.calledNumbers) {
    for (const text of calledNumbers(config)) {
      const e = parseCallerEntry(text);
      if (typeof e !== 'string' && matches(e, caller)) return { allowed: true, why: `called number ${text}` };
    }
  }
  if (s.sipServer && call.account !== null) {
    const server = serverOf(config, call.account, caller);
    if (server) return { allowed: true, why: `SIP server account ${call.account} (${server})` };
  }
  return { allowed: false, why: 'not an allowed caller' };
}

/** May DTMF codes of this call open a door? Calls the door placed: yes; incoming calls: allowed callers only. */
export function dtmfAccepted(config: Config, call: CallerCall): CallerVerdict {
  if (call.direction === 'outgoing') return { allowed: true, why: 'a call the door placed' };
  return callerAllowed(config, call);
}

/** The numbers the door calls: push button, group call number, call schedule templates. */
function calledNumbers(config: Config): string[] {
  const p = config.intercom.pushButton;
  return [
    ...p.numbers,
    ...(p.groupCallNumber ? [p.groupCallNumber] : []),
    ...config.intercom.callSchedule.flatMap((t) => (t.enabled ? t.numbers : [])),
  ];
}

/** The address of `source` (`ip`, `ip:port`, `[v6]:port`), undefined if it is none. */
function sourceAddress(source: string): { address: string; family: 4 | 6 } | undefined {
  const s = source.trim();
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracket) return normalizeAddress(bracket[1]!);
  const v4 = /^(\d+\.\d+\.\d+\.\d+)(?::\d+)?$/.exec(s);
  if (v4) return normalizeAddress(v4[1]!);
  return normalizeAddress(s);
}

function matches(e: CallerEntry, caller: Caller): boolean {
  const { from } = caller;
  switch (e.kind) {
    case 'user':
      return caller.onAccount && from.user !== undefined && from.user === e.user;
    case 'uri':
      if (e.user !== undefined && from.user !== e.user) return false;
      return hostMatches(e.host, caller);
    case 'address':
    case 'range': {
      const a = caller.tracked ? caller.source : from.host === undefined ? undefined : normalizeAddress(from.host);
      if (!a) return false;
      const list = new BlockList();
      if (e.kind === 'address') list.addAddress(e.address, e.family === 4 ? 'ipv4' : 'ipv6');
      else list.addSubnet(e.address, e.prefix, e.family === 4 ? 'ipv4' : 'ipv6');
      return list.check(a.address, a.family === 4 ? 'ipv4' : 'ipv6');
    }
  }
}

/**
 * Does `host` (of an entry or an account) designate the caller? An IP literal is compared with the
 * source address when the engine tracks it (else with the From host); a host name with the From host.
 */
function hostMatches(host: string, caller: Caller): boolean {
  const ip = normalizeAddress(host);
  if (ip && caller.tracked) return caller.source?.address === ip.address;
  const { from } = caller;
  return from.host !== undefined && from.host === (ip?.address ?? host.toLowerCase());
}

/** The server (or outbound proxy) of account `id` that the caller is at, if it is. */
function serverOf(config: Config, id: string, caller: Caller): string | undefined {
  const a = config.accounts[Number(id) - 1];
  if (!a?.enabled || !a.server) return undefined;
  const proxy = a.outboundProxy ? parseSipParty(`sip:${a.outboundProxy}`).host : undefined;
  for (const host of [a.server, proxy]) if (host && hostMatches(host, caller)) return host;
  return undefined;
}
