/**
 * The monitor's doors: which door a call is from (matched by the address the INVITE came from,
 * `CallInfo.source`, when the engine tracks it; else by the From URI's host), and what the resident
 * sees of a door (never its API token).
 */
import { isIP } from 'node:net';
import type { CallInfo } from '../../sip/engine.ts';
import type { Config } from '../config/index.ts';
import { DOOR_RELAYS, doorRelays, type MonitorDoor, parseDoorAddress } from '../config/index.ts';
import type { DoorMatch } from './events.ts';

export type RelayView = { relay: number; letter: string; name: string; unlock: 'dtmf' | 'http' };
export type DoorView = { index: number; id: number; name: string; address: string; relays: RelayView[] };

export function doorName(d: MonitorDoor, index: number): string {
  return d.name || `Door ${index + 1}`;
}

export function doorView(d: MonitorDoor, index: number): DoorView {
  return {
    index,
    id: index + 1,
    name: doorName(d, index),
    address: d.address,
    relays: doorRelays(d).flatMap((r, i) =>
      r.unlock === 'none'
        ? []
        : [{ relay: i + 1, letter: DOOR_RELAYS[i]!, name: r.name || 'Open', unlock: r.unlock as 'dtmf' | 'http' }],
    ),
  };
}

/** The enabled doors of the list. */
export function enabledDoors(config: Config): DoorView[] {
  return config.monitor.doors.flatMap((d, i) => (d.enabled && d.address ? [doorView(d, i)] : []));
}

type Endpoint = { host: string; port?: number; user?: string };

/** `ip:port`, `[v6]:port` or a bare address. */
function endpointOf(source: string): Endpoint | undefined {
  const s = source.trim();
  const b = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (b) return { host: b[1]!.toLowerCase(), ...(b[2] ? { port: Number(b[2]) } : {}) };
  const v4 = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(s);
  if (v4) return { host: v4[1]!, ...(v4[2] ? { port: Number(v4[2]) } : {}) };
  return isIP(s) ? { host: s.toLowerCase() } : undefined;
}

/** The From URI's user, host and port. */
function fromOf(peer: string): Endpoint | undefined {
  const a = parseDoorAddress(peer.replace(/^.*<(.*)>.*$/, '$1'));
  return typeof a === 'string' ? undefined : a;
}

/**
 * The door a call is from, or null. An address entry (IP host) is matched against the INVITE's source
 * when the engine tracks it ('' = unknown source: no door), with its port when the entry gives one; a
 * host name entry against the From host. The user part, when the entry has one, must match the From user.
 */
export function matchDoor(config: Config, call: Pick<CallInfo, 'peer' | 'source' | 'direction'>): DoorMatch | null {
  const from = fromOf(call.peer);
  const source = call.source === undefined ? undefined : endpointOf(call.source);
  for (const [index, d] of config.monitor.doors.entries()) {
    if (!d.enabled || !d.address) continue;
    const a = parseDoorAddress(d.address);
    if (typeof a === 'string') continue;
    if (a.user !== undefined && from?.user !== a.user) continue;
    if (isIP(a.host)) {
      // Outgoing calls (a look at the door) go where the monitor sent them: the peer is the door's URI.
      const seen = call.direction === 'outgoing' || call.source === undefined ? from : source;
      if (!seen || seen.host !== a.host) continue;
      if (a.port !== undefined && (seen.port ?? 5060) !== a.port) continue;
    } else if (from?.host !== a.host.toLowerCase()) continue;
    return { index, name: doorName(d, index) };
  }
  return null;
}

/** What the monitor dials to look at a door. */
export function dialTarget(d: MonitorDoor): string {
  const a = d.address.trim();
  return isIP(a) === 6 ? `[${a}]` : a;
}
