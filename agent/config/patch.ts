/** Merging a partial config into a whole one, and finding which settings changed. */
import { leaves, type Path, pathToKey } from './paths.ts';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Deep-merges `patch` into `base` without touching either. Objects merge key by key. A list of
 * objects (accounts, relays ...) merges item by item, so `{relays: {1: {holdTime: 5}}}` or
 * `{relays: [{}, {holdTime: 5}]}` changes only relay 2. Any other value replaces the old one.
 */
export function mergePatch<T>(base: T, patch: unknown): T {
  if (patch === undefined) return base;
  if (Array.isArray(base) && base.every(isPlainObject)) {
    if (Array.isArray(patch)) {
      const out = base.map((item, i) => mergePatch(item, patch[i]));
      for (let i = base.length; i < patch.length; i++) out.push(patch[i]); // too many: the schema says so
      return out as T;
    }
    if (isPlainObject(patch) && Object.keys(patch).every((k) => /^\d+$/.test(k))) {
      const out = [...base];
      for (const [k, v] of Object.entries(patch)) out[Number(k)] = mergePatch(base[Number(k)], v);
      return out as T;
    }
    return patch as T;
  }
  if (isPlainObject(base) && isPlainObject(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = mergePatch(base[k], v);
    return out as T;
  }
  return patch as T;
}

/** The dotted keys of the settings whose values differ between two valid configs. */
export function changedKeys(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  for (const leaf of leaves()) {
    if (!sameValue(getLeaf(before, leaf.path), getLeaf(after, leaf.path))) out.push(pathToKey(leaf.path));
  }
  return out;
}

function getLeaf(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const p of path) cur = (cur as Record<string | number, unknown> | undefined)?.[p];
  return cur;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}
