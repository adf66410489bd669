/** Reading the config's JSON Schema (served by the agent): the node of a setting and what it says. */

export type Path = (string | number)[];

export type SchemaNode = {
  type?: string;
  title?: string;
  description?: string;
  kind?: 'bool' | 'int' | 'text' | 'enum' | 'list';
  unit?: string;
  autop?: string;
  format?: string;
  values?: string[];
  enum?: string[];
  /** Schema of the elements. */
  items?: SchemaNode;
  /** For a list of choices: the allowed values. */
  choices?: string[];
  properties?: Record<string, SchemaNode>;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  default?: unknown;
  secret?: boolean;
  /** Not in effect yet (what brings it): the UI does not show the setting. */
  planned?: string;
};

export function nodeAt(root: SchemaNode, path: Path): SchemaNode | undefined {
  let cur: SchemaNode | undefined = root;
  for (const p of path) {
    if (!cur) return undefined;
    if (typeof p === 'number') cur = cur.items;
    else cur = cur.properties?.[p];
  }
  return cur;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The autop key of a setting, with the list index filled in (`Config.Account{n}...` → `Config.Account2...`). */
export function autopKey(node: SchemaNode, path: Path): string {
  const index = [...path].reverse().find((p) => typeof p === 'number');
  const key = node.autop ?? '';
  if (index === undefined) return key;
  return key.replaceAll('{n}', String(index + 1)).replaceAll('{L}', LETTERS[index] ?? String(index + 1));
}

export const keyOf = (path: Path) => path.join('.');

export function getIn(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(p)];
  }
  return cur;
}

/**
 * Sets a value in a patch. List items are addressed as object keys (`{relays: {"1": {...}}}`),
 * which the API merges item by item.
 */
export function setIn(obj: Record<string, unknown>, path: Path, value: unknown): void {
  let cur = obj;
  path.forEach((p, i) => {
    const k = String(p);
    if (i === path.length - 1) cur[k] = value;
    else cur = (cur[k] ??= {}) as Record<string, unknown>;
  });
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
