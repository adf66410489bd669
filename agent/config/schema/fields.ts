/**
 * Field builders for the configuration schema. Each setting is a zod schema whose metadata
 * carries everything the rest of the system derives from it: the autop key, the title and
 * description shown in the UI, the unit, and the value kind used to read and write autop text.
 */
import * as z from '../../../core/zod.ts';

export type FieldKind = 'bool' | 'int' | 'text' | 'enum' | 'list';

/** Formats of text values: they pick the validation, the UI widget and the test generators. */
export type TextFormat =
  | 'text'
  | 'secret'
  | 'host'
  | 'hostport'
  | 'url'
  | 'multicast'
  | 'dial'
  | 'dtmf'
  | 'mac'
  | 'timezone'
  | 'time'
  | 'line'
  | 'email'
  | 'ref'
  | 'caller';

export type FieldMeta = {
  title: string;
  description?: string;
  /** Autop key; `{n}` is the 1-based index and `{L}` the letter (A, B, ...) of the enclosing list item. */
  autop: string;
  /** Other keys accepted on import with the same meaning (never written on export). */
  aliases?: string[];
  kind: FieldKind;
  format?: TextFormat;
  unit?: string;
  values?: readonly string[];
  /** Enum values as field files write them (`0`, `1`, ...); import accepts both, export writes the code. */
  codes?: readonly string[];
  /** For lists of choices: the allowed element values (named so as not to clash with JSON Schema `items`). */
  choices?: readonly string[];
  secret?: boolean;
  /**
   * Not in effect yet: kept in the schema, the API and autop (provisioning files keep working), not
   * shown by the web UI. Says what will bring it, e.g. "the cloud link (issue 11)".
   */
  planned?: string;
  /**
   * The device's own (its identity): set on the device (web UI, API, CLI), never changed by a file a
   * server sends (provisioning server, cloud job); such a file may repeat the value in force.
   */
  deviceOnly?: true;
};

type Common = {
  title: string;
  autop: string;
  description?: string;
  aliases?: string[];
  planned?: string;
  deviceOnly?: true;
};

/** Registers a field's metadata (what classic zod's `.meta()` did); it returns the schema itself. */
function withMeta<S extends z.ZodMiniType>(schema: S, meta: FieldMeta | { title: string }): S {
  z.globalRegistry.add(schema as z.core.$ZodType, meta);
  return schema;
}

export function bool(def: boolean, m: Common) {
  return withMeta(z._default(z.boolean(), def), { ...m, kind: 'bool' } satisfies FieldMeta);
}

export function int(def: number, min: number, max: number, m: Common & { unit?: string }) {
  const n = z
    .number({ error: 'must be a number' })
    .check(
      z.int({ error: 'must be a whole number' }),
      z.gte(min, { error: `must be at least ${min}` }),
      z.lte(max, { error: `must be at most ${max}` }),
    );
  return withMeta(z._default(n, def), { ...m, kind: 'int' } satisfies FieldMeta);
}

export function choice<const V extends readonly [string, ...string[]]>(
  values: V,
  def: V[number],
  m: Common & { codes?: { readonly [K in keyof V]: string } },
) {
  const e = z.enum(values, { error: `must be one of ${values.join(', ')}` });
  return withMeta(z._default(e, def), { ...m, kind: 'enum', values } satisfies FieldMeta);
}

const patterns: Partial<Record<TextFormat, [RegExp, string]>> = {
  host: [/^$|^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^\[[0-9A-Fa-f:]+\]$/, 'must be a host name or IP address'],
  hostport: [/^$|^([A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:]+\])(:\d{1,5})?$/, 'must be host or host:port'],
  url: [/^$|^(https?|ftp|ftps|tftp|mqtt|mqtts|ws|wss|sip):\/\/\S+$/, 'must be a URL such as http://host/path'],
  multicast: [
    /^$|^(22[4-9]|23\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/,
    'must be a multicast address from 224.0.0.0 to 239.255.255.255',
  ],
  dial: [/^$|^[A-Za-z0-9_.+*#@:;=-]{1,128}$/, 'must be a number, SIP URI or IP address without spaces or commas'],
  dtmf: [/^$|^[0-9*#]{1,4}$/, 'must be 1 to 4 characters from 0-9 * #'],
  mac: [/^$|^([0-9A-F]{2}:){5}[0-9A-F]{2}$/, 'must be a MAC address such as 0C:11:05:00:00:01'],
  time: [/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM from 00:00 to 23:59'],
  line: [/^$|^[A-Za-z0-9_.-]{1,31}$/, 'must be a GPIO line name of letters, digits, _ . - (at most 31)'],
  email: [/^$|^[^\s@,;]+@[^\s@,;]+$/, 'must be an email address'],
  ref: [/^$|^[A-Za-z0-9 _.-]{1,32}$/, 'must be a name of letters, digits, spaces, _ . - (at most 32)'],
  caller: [
    /^[A-Za-z0-9_.+*#@:[\]/-]{1,128}$/,
    'must be a SIP URI, IP address, address range or number without spaces or commas',
  ],
};

export function text(def: string, m: Common & { format?: TextFormat; max?: number; min?: number; unit?: string }) {
  const format = m.format ?? 'text';
  const max = m.max ?? 255;
  const checks: z.core.$ZodCheck<string>[] = [z.maxLength(max, { error: `must be at most ${max} characters` })];
  if (m.min)
    checks.push(
      z.minLength(m.min, { error: m.min === 1 ? 'must not be empty' : `must be at least ${m.min} characters` }),
    );
  // Control characters would break autop lines and logs.
  checks.push(z.refine((v: string) => !hasControlChars(v), { error: 'must not contain control characters' }));
  const p = patterns[format];
  if (p) checks.push(z.regex(p[0], { error: p[1] }));
  if (format === 'timezone')
    checks.push(z.refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Berlin' }));
  const s = z.string({ error: 'must be text' }).check(...checks);
  const { max: _max, min: _min, ...rest } = m;
  return withMeta(z._default(s, def), {
    ...rest,
    kind: 'text',
    format,
    secret: format === 'secret' || undefined,
  } satisfies FieldMeta);
}

/**
 * A list of short values, written in autop as one comma-separated value. `check` is a further test
 * of each entry, giving the reason it is not valid.
 */
export function list(
  def: string[],
  m: Common & {
    max: number;
    format?: TextFormat;
    choices?: readonly [string, ...string[]];
    check?: (v: string) => string | undefined;
  },
) {
  const pattern = patterns[m.format ?? 'dial']!;
  const check = m.check;
  const element = m.choices
    ? z.enum(m.choices, { error: `each must be one of ${m.choices.join(', ')}` })
    : z.string().check(
        z.minLength(1, { error: 'must not contain empty entries' }),
        z.regex(pattern[0], { error: pattern[1] }),
        z.superRefine((v: string, ctx) => {
          const problem = pattern[0].test(v) ? check?.(v) : undefined;
          if (problem) ctx.addIssue({ code: 'custom', message: problem, input: v });
        }),
      );
  const { max, choices, check: _check, ...rest } = m;
  const a = z.array(element).check(z.maxLength(max, { error: `must have at most ${max} entries` }));
  return withMeta(z._default(a, def), {
    ...rest,
    kind: 'list',
    format: m.format ?? (choices ? undefined : 'dial'),
    choices,
  } satisfies FieldMeta);
}

/** A fixed number of slots of the same shape (accounts, relays, inputs ...). */
export function slots<T extends z.ZodMiniType>(item: T, count: number, make: (index: number) => z.input<T>) {
  const defaults = Array.from({ length: count }, (_, i) => item.parse(make(i)) as z.output<T>);
  const a = z.array(item).check(z.length(count, { error: `must have exactly ${count} entries` }));
  return z._default(a, () => structuredClone(defaults) as never);
}

/** An object section whose every field has a default, so the section can be omitted. */
export function section<S extends z.core.$ZodLooseShape>(shape: S, title?: string) {
  const o = z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? undefined : 'must be an object'),
  });
  const def = o.parse({});
  const withDefault = z._default(o, () => structuredClone(def) as never);
  return title ? withMeta(withDefault, { title }) : withDefault;
}

export function isTimeZone(tz: string): boolean {
  // The default needs no time zone data: checking it does not load ICU's (about 8 MB of RSS).
  if (tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.length > 0;
  } catch {
    return false;
  }
}

export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function hasControlChars(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
