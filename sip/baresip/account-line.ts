/**
 * The account lines baresip takes with `uanew`, built from the engine's account specs, and the
 * address-of-record (AOR) baresip will name the account by in its events.
 */
import type { AccountSpec } from '../engine.ts';
import { escapeUser, hostPort, type TargetError } from '../target.ts';

export type UaLine = { aor: string; line: string };

export class AccountError extends Error {}

/** ctrl_tcp copies a command and its parameters into a 1,024-byte buffer. */
const MAX_LINE = 1000;
const HOST =
  /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\])$/;

/** A display name as a quoted string; quotes, backslashes and control characters are dropped. */
function quoted(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we drop
  const clean = name.replace(/["\\\u0000-\u001f\u007f]/g, '').trim();
  return clean ? `"${clean}" ` : '';
}

/** A parameter value baresip can read back: no whitespace, no `;`, no control characters. */
function paramValue(field: string, value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are rejected
  if (/[\s;\u0000-\u001f\u007f]/.test(value))
    throw new AccountError(`${field} cannot contain spaces, ";" or control characters with baresip 1.0.0`);
  return value;
}

function user(field: string, value: string): string {
  try {
    return escapeUser(value);
  } catch (err) {
    throw new AccountError(`${field}: ${(err as TargetError).message}`);
  }
}

function host(field: string, value: string): string {
  const h = value.trim();
  if (!HOST.test(h)) throw new AccountError(`${field}: "${value}" is not a host name or IP address`);
  return h;
}

/** The line for one account; throws AccountError naming the field that cannot be used. */
export function accountLine(spec: AccountSpec, fallbackName: string): UaLine {
  if (!spec.user) throw new AccountError('user name is empty');
  if (!spec.server) throw new AccountError('SIP server is empty');
  const u = user('user name', spec.user);
  const hp = hostPort(host('SIP server', spec.server), spec.port, spec.transport);
  const aor = `sip:${u}@${hp}`;
  const uriParams = spec.transport === 'udp' ? '' : `;transport=${spec.transport}`;
  const params: string[] = [];
  if (spec.mode === 'registered') {
    if (spec.authUser && spec.authUser !== spec.user)
      params.push(`auth_user=${paramValue('authentication name', spec.authUser)}`);
    if (spec.password) params.push(`auth_pass=${paramValue('password', spec.password)}`);
    params.push(`regint=${Math.max(1, Math.round(spec.registerInterval))}`);
  } else {
    params.push('regint=0');
  }
  params.push('answermode=manual');
  if (spec.outboundProxy) {
    const [ph, pp] = spec.outboundProxy.split(':');
    // baresip 1.0.0 cannot read a quoted parameter: the proxy URI can carry no ;lr nor ;transport.
    const proxy = `sip:${host('outbound proxy', ph ?? '')}${pp ? `:${Number(pp)}` : ''}`;
    params.push(`outbound=${paramValue('outbound proxy', proxy)}`);
  }
  if (spec.srtp !== 'off') params.push(`mediaenc=${spec.srtp === 'mandatory' ? 'srtp-mand' : 'srtp'}`);
  const line = `${quoted(spec.displayName || fallbackName)}<${aor}${uriParams}>;${params.join(';')}`;
  if (line.length > MAX_LINE) throw new AccountError(`the account is too long for baresip (${line.length} characters)`);
  return { aor, line };
}

/** The user agent for direct IP calls: no registration; `host` is this device's address. */
export function directIpLine(opts: { user: string; host: string; port: number; displayName: string }): UaLine {
  const aor = `sip:${user('direct IP user', opts.user)}@${hostPort(host('listen address', opts.host), opts.port, 'udp')}`;
  return { aor, line: `${quoted(opts.displayName)}<${aor}>;regint=0;answermode=manual` };
}
