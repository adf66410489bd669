/**
 * The indoor monitor (`identity.role = indoor-monitor`): its door phones and the resident's Do Not
 * Disturb. Each door has a name, a SIP URI or IP address (where it calls from and where the monitor
 * calls it), and per relay of the door how the monitor opens it: by sending the relay's DTMF code on
 * the call, or by the door's HTTP API (`POST <apiUrl>/api/v1/relays/<n>/trigger` with a `door`-scope
 * API token of the door), or not at all (the door has no such relay).
 */
import { isIP } from 'node:net';
import * as z from '../../../core/zod.ts';
import { parseSipParty } from './caller-entry.ts';
import { bool, choice, type FieldMeta, int, slots, text } from './fields.ts';

export const DOOR_SLOTS = 8;
/** Relays of a door the monitor can open (a door phone has RELAY_COUNT = 3). */
export const DOOR_RELAYS = ['A', 'B', 'C'] as const;

/** A door's address as the monitor reads it: host (IP or name) and port when given; a string is the problem. */
export type DoorAddress = { user?: string; host: string; port?: number };

/**
 * Reads a door's address: `sip:portier@10.0.0.5:5060`, `portier@10.0.0.5`, `10.0.0.5`, `10.0.0.5:5062`,
 * `[fe80::1]:5060`, `sip:door.example.com`. Numbers and bare names are not addresses (a door is
 * reached by direct IP, or by a SIP URI).
 */
export function parseDoorAddress(text: string): DoorAddress | string {
  const t = text.trim();
  const bad = `"${t}" is not a SIP URI or IP address such as sip:portier@10.0.0.5:5060 or 10.0.0.5`;
  if (!t) return 'must not be empty';
  if (/\s|,/.test(t)) return bad;
  const uri = /^sips?:/i.test(t) || t.includes('@');
  if (uri) {
    const p = parseSipParty(/^sips?:/i.test(t) ? t : `sip:${t}`);
    if (!p.host) return bad;
    const port = portOf(
      t
        .replace(/^sips?:/i, '')
        .replace(/^[^@]*@/, '')
        .replace(/[;?].*$/, ''),
    );
    if (port === null) return bad;
    return { ...(p.user !== undefined ? { user: p.user } : {}), host: p.host, ...(port ? { port } : {}) };
  }
  const bracket = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(t);
  if (bracket) {
    if (isIP(bracket[1]!) !== 6) return bad;
    const port = bracket[2] ? Number(bracket[2]) : undefined;
    if (port !== undefined && (port < 1 || port > 65535)) return bad;
    return { host: bracket[1]!.toLowerCase(), ...(port ? { port } : {}) };
  }
  if (isIP(t) === 6) return { host: t.toLowerCase() };
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(t);
  if (v4) {
    if (isIP(v4[1]!) !== 4) return bad;
    const port = v4[2] ? Number(v4[2]) : undefined;
    if (port !== undefined && (port < 1 || port > 65535)) return bad;
    return { host: v4[1]!, ...(port ? { port } : {}) };
  }
  return bad;
}

/** The port of `host[:port]` / `[v6][:port]`: undefined without one, null when it is not a port. */
function portOf(hostport: string): number | undefined | null {
  let rest = '';
  if (hostport.startsWith('[')) rest = hostport.slice(hostport.indexOf(']') + 1);
  else if (hostport.includes(':')) rest = hostport.slice(hostport.indexOf(':'));
  if (!rest) return undefined;
  const m = /^:(\d{1,5})$/.exec(rest);
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 1 && n <= 65535 ? n : null;
}

const ADDRESS_META = {
  title: 'SIP URI or IP address',
  description:
    'Where the door calls from and where the monitor calls it: sip:portier@10.0.0.5:5060, or 10.0.0.5 (a port makes it match only calls from that port).',
  autop: 'Config.Monitor.DOOR{n}.Address',
  kind: 'text',
  format: 'dial',
} satisfies FieldMeta;

const address = z
  ._default(
    z.string({ error: 'must be text' }).check(
      z.maxLength(128, { error: 'must be at most 128 characters' }),
      z.superRefine((v: string, ctx) => {
        if (v === '') return;
        const a = parseDoorAddress(v);
        if (typeof a === 'string') ctx.addIssue({ code: 'custom', message: a, input: v });
      }),
    ),
    '',
  )
  .register(z.globalRegistry, ADDRESS_META);

function doorRelay(letter: (typeof DOOR_RELAYS)[number]) {
  const key = (item: string) => `Config.Monitor.DOOR{n}.Relay${letter}${item}`;
  return z._default(
    z.strictObject({
      unlock: choice(['none', 'dtmf', 'http'], letter === 'A' ? 'dtmf' : 'none', {
        title: `Relay ${letter}: open by`,
        description: `none: the door has no relay ${letter} (no Open button); dtmf: the code is sent on the call; http: the door's API is called.`,
        autop: key('Unlock'),
        codes: ['0', '1', '2'],
      }),
      code: text(letter === 'A' ? '#' : '', {
        title: `Relay ${letter}: DTMF code`,
        description: "The door's DTMF code of this relay (1-4 of 0-9 * #).",
        autop: key('Code'),
        format: 'dtmf',
      }),
      name: text('', {
        title: `Relay ${letter}: name`,
        description: 'Label of its Open button; empty = "Open".',
        autop: key('Name'),
        max: 32,
      }),
    }),
    () => ({ unlock: letter === 'A' ? 'dtmf' : 'none', code: letter === 'A' ? '#' : '', name: '' }) as never,
  );
}

export const monitorDoor = z.strictObject({
  enabled: bool(false, { title: 'Enabled', autop: 'Config.Monitor.DOOR{n}.Enable' }),
  name: text('', { title: 'Name', autop: 'Config.Monitor.DOOR{n}.Name', max: 32 }),
  address,
  apiUrl: text('', {
    title: 'Door API URL',
    description: "For relays opened by HTTP: the door's web server, e.g. http://10.0.0.5:8080.",
    autop: 'Config.Monitor.DOOR{n}.ApiUrl',
    format: 'url',
  }),
  apiToken: text('', {
    title: 'Door API token',
    description: 'For relays opened by HTTP: an API token of the door with the door scope (ptk_...).',
    autop: 'Config.Monitor.DOOR{n}.ApiToken',
    format: 'secret',
    max: 128,
  }),
  relayA: doorRelay('A'),
  relayB: doorRelay('B'),
  relayC: doorRelay('C'),
});

export type MonitorDoor = z.output<typeof monitorDoor>;

/** The relays of a door in order (A, B, C). */
export function doorRelays(d: MonitorDoor) {
  return [d.relayA, d.relayB, d.relayC];
}

const monitorShape = z
  .strictObject(
    {
      dnd: bool(false, {
        title: 'Do Not Disturb',
        description: 'Indoor monitor: every incoming call is rejected (486) and nothing rings.',
        autop: 'Config.Monitor.GENERAL.DND',
      }),
      ringTimeout: int(0, 0, 300, {
        title: 'Ring time out',
        description: 'Indoor monitor: stop ringing after this time (0 = until the dial in time ends the call).',
        autop: 'Config.Monitor.GENERAL.RingTimeout',
        unit: 's',
      }),
      doors: slots(monitorDoor, DOOR_SLOTS, () => ({})),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? undefined : 'must be an object') },
  )
  .check(
    z.superRefine((m, ctx) => {
      m.doors.forEach((d, i) => {
        const add = (path: (string | number)[], message: string) =>
          ctx.addIssue({ code: 'custom', path: ['doors', i, ...path], message });
        if (!d.enabled) return;
        if (!d.address) add(['address'], 'is required for an enabled door');
        if (d.apiUrl && !/^https?:\/\//i.test(d.apiUrl)) add(['apiUrl'], 'must be an http:// or https:// URL');
        for (const [r, letter] of DOOR_RELAYS.entries()) {
          const relay = doorRelays(d)[r]!;
          const at = [`relay${letter}`];
          if (relay.unlock === 'dtmf' && !relay.code) add([...at, 'code'], 'is required to open by DTMF');
          if (relay.unlock === 'http' && !d.apiUrl) add(['apiUrl'], `is required to open relay ${letter} by HTTP`);
          if (relay.unlock === 'http' && !d.apiToken) add(['apiToken'], `is required to open relay ${letter} by HTTP`);
        }
      });
    }),
  );

export const monitor = z
  ._default(monitorShape, () => structuredClone(monitorShape.parse({})) as never)
  .register(z.globalRegistry, { title: 'Indoor monitor' });
