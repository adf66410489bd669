/** Paths into the config (`accounts.0.user`) and the list of every setting the schema defines. */
import * as z from '../../core/zod.ts';
import { LETTERS } from './schema/fields.ts';
import { configSchema, defaultConfig, type FieldMeta } from './schema/index.ts';

export type Path = (string | number)[];

/** One setting: where it lives, its autop key(s) and how its value is read and written. */
export type Leaf = {
  path: Path;
  /** Dotted path, e.g. `accounts.0.user`. */
  key: string;
  /** Canonical autop key with list indexes filled in, e.g. `Config.Account1.GENERAL.UserName`. */
  autop: string;
  aliases: string[];
  meta: FieldMeta;
  schema: z.ZodMiniType;
};

export function pathToKey(path: Path): string {
  return path.join('.');
}

/** Accepts `a.b.0.c` and `a.b[0].c`. */
export function keyToPath(key: string): Path {
  return key
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((p) => p !== '')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export function getAt(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/** Returns a copy of `obj` with `value` at `path` (copies only the objects along the path). */
export function setAt<T>(obj: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path as [string | number, ...Path];
  const base = (obj ?? (typeof head === 'number' ? [] : {})) as Record<string | number, unknown>;
  const copy = (Array.isArray(base) ? [...base] : { ...base }) as Record<string | number, unknown>;
  copy[head] = setAt(base[head], rest, value);
  return copy as T;
}

type Def = { type: string; innerType?: z.ZodMiniType; shape?: Record<string, z.ZodMiniType>; element?: z.ZodMiniType };
const defOf = (s: z.ZodMiniType) => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: z.ZodMiniType): z.ZodMiniType {
  let cur = s;
  for (let d = defOf(cur); ['default', 'optional', 'prefault', 'readonly', 'nullable'].includes(d.type); d = defOf(cur))
    cur = d.innerType!;
  return cur;
}

function expand(template: string, path: Path): string {
  const index = [...path].reverse().find((p) => typeof p === 'number');
  if (index === undefined) return template;
  return template.replaceAll('{n}', String(index + 1)).replaceAll('{L}', LETTERS[index] ?? String(index + 1));
}

function walk(schema: z.ZodMiniType, value: unknown, path: Path, out: Leaf[]): void {
  const meta = z.globalRegistry.get(schema) as FieldMeta | undefined;
  if (meta?.kind) {
    out.push({
      path,
      key: pathToKey(path),
      autop: expand(meta.autop, path),
      // An alias without {n}/{L} inside a list names the first item only.
      aliases: (meta.aliases ?? [])
        .filter((a) => /\{[nL]\}/.test(a) || !path.some((p) => typeof p === 'number' && p > 0))
        .map((a) => expand(a, path)),
      meta,
      schema,
    });
    return;
  }
  const inner = unwrap(schema);
  const d = defOf(inner);
  if (d.type === 'object') {
    for (const [k, s] of Object.entries(d.shape!)) walk(s, (value as Record<string, unknown>)[k], [...path, k], out);
  } else if (d.type === 'array') {
    for (const [i, v] of (value as unknown[]).entries()) walk(d.element!, v, [...path, i], out);
  } else {
    throw new Error(`setting ${pathToKey(path)} has no field metadata`);
  }
}

let cached: { leaves: Leaf[]; byKey: Map<string, Leaf>; byAutop: Map<string, Leaf> } | undefined;

function index() {
  if (!cached) {
    const leaves: Leaf[] = [];
    walk(configSchema, defaultConfig(), [], leaves);
    const byAutop = new Map<string, Leaf>();
    for (const l of leaves) {
      for (const k of [l.autop, ...l.aliases]) {
        const lower = k.toLowerCase();
        if (byAutop.has(lower)) throw new Error(`autop key ${k} is defined twice`);
        byAutop.set(lower, l);
      }
    }
    cached = { leaves, byKey: new Map(leaves.map((l) => [l.key, l])), byAutop };
  }
  return cached;
}

/** Every setting of the device, in schema order. */
export function leaves(): Leaf[] {
  return index().leaves;
}

/** Finds a setting by dotted path or by autop key (autop keys match case-insensitively). */
export function findLeaf(key: string): Leaf | undefined {
  const i = index();
  return i.byKey.get(pathToKey(keyToPath(key))) ?? i.byAutop.get(key.trim().toLowerCase());
}

/** The leaf a (possibly deeper) path belongs to: `intercom.callSchedule.0.numbers.3` → the numbers leaf. */
export function leafOf(path: Path): Leaf | undefined {
  for (let n = path.length; n > 0; n--) {
    const l = index().byKey.get(pathToKey(path.slice(0, n)));
    if (l) return l;
  }
  return undefined;
}
