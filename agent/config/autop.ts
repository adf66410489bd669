/**
 * The autop codec: `Key = Value` provisioning files as door phones and IP phones are
 * provisioned in the field, read into the schema and written back out of it.
 */
import { findLeaf, getAt, type Leaf, leafOf, leaves, setAt } from './paths.ts';
import type { Config } from './schema/index.ts';
import { validateConfig } from './validate.ts';
import { decodeValue, encodeValue } from './values.ts';

export type AutopEntry = { line: number; key: string; value: string };
/** `line` is null when the problem comes from the config in force rather than from a line. */
export type AutopProblem = { line: number | null; key: string; message: string };

export type AutopResult = {
  /** The config the file leads to (with `--lenient`: with the valid lines only); undefined if nothing can apply. */
  config?: Config;
  problems: AutopProblem[];
  applied: AutopEntry[];
  skipped: AutopEntry[];
};

/** Splits the text into entries; a line that is not `Key = Value` is a problem. */
export function parseAutop(text: string): { entries: AutopEntry[]; problems: AutopProblem[] } {
  const entries: AutopEntry[] = [];
  const problems: AutopProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';') || t.startsWith('//')) continue;
    const eq = t.indexOf('=');
    const key = t.slice(0, eq).trim();
    if (eq < 0) problems.push({ line, key: t.slice(0, 60), message: 'expected Key = Value' });
    else if (key === '') problems.push({ line, key: '', message: 'the key is empty' });
    else entries.push({ line, key, value: unquote(t.slice(eq + 1).trim()) });
  }
  return { entries, problems };
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(["\\])/g, '$1');
  return v;
}

function quote(v: string): string {
  if (v !== v.trim() || v.startsWith('"')) return `"${v.replace(/(["\\])/g, '\\$1')}"`;
  return v;
}

type Planned = AutopEntry & { leaf: Leaf; decoded: unknown };

export type ReadAutopOptions = {
  /** The valid lines apply, the others are reported and skipped (default: any problem and nothing applies). */
  lenient?: boolean;
  /**
   * The file comes from a server (provisioning server, cloud job): a line that would change a
   * setting the device alone sets (`deviceOnly`, e.g. its MAC address) is a problem.
   */
  fromServer?: boolean;
};

/**
 * Reads an autop file onto `current`. Strict (default): any problem and nothing applies.
 * Lenient: the valid lines apply, the others are reported and skipped.
 */
export function readAutop(text: string, current: Config, opts: ReadAutopOptions = {}): AutopResult {
  const { entries, problems } = parseAutop(text);
  const skipped: AutopEntry[] = [];
  let planned: Planned[] = [];
  for (const e of entries) {
    const leaf = findLeaf(e.key);
    if (!leaf || !e.key.includes('.')) {
      problems.push({ line: e.line, key: e.key, message: 'unknown key' });
      skipped.push(e);
      continue;
    }
    const d = decodeValue(leaf, e.value);
    if (!d.ok) {
      problems.push({ line: e.line, key: e.key, message: d.error });
      skipped.push(e);
      continue;
    }
    if (opts.fromServer && leaf.meta.deviceOnly && d.value !== getAt(current, leaf.path)) {
      problems.push({
        line: e.line,
        key: e.key,
        message: 'is set on the device only; a file from a server cannot change it',
      });
      skipped.push(e);
      continue;
    }
    planned.push({ ...e, leaf, decoded: d.value });
  }

  // Validate the whole result; in lenient mode drop the lines a problem points at and try again.
  for (;;) {
    const r = validateConfig(build(current, planned));
    if (r.ok && problems.length && !opts.lenient)
      return { problems: sortProblems(problems), applied: [], skipped: entries };
    if (r.ok) return { config: r.config, problems: sortProblems(problems), applied: planned, skipped };
    const byLeaf = lastLineByLeaf(planned);
    const found = r.problems.map((p) => {
      const leaf = leafOf(p.path);
      const from = leaf && byLeaf.get(leaf.key);
      return {
        line: from?.line ?? null,
        key: from?.key ?? leaf?.autop ?? p.key,
        message: p.message,
        leafKey: leaf?.key,
      };
    });
    if (!opts.lenient) {
      const all = [...problems, ...found.map(({ leafKey: _, ...p }) => p)];
      return { problems: sortProblems(all), applied: [], skipped: entries };
    }
    const blamed = new Set(found.filter((f) => f.line !== null).map((f) => f.leafKey));
    if (blamed.size === 0) return lenientOneByOne(current, planned, problems, skipped);
    problems.push(...found.filter((f) => f.line !== null).map(({ leafKey: _, ...p }) => p));
    skipped.push(...planned.filter((p) => blamed.has(p.leaf.key)));
    planned = planned.filter((p) => !blamed.has(p.leaf.key));
  }
}

/** Last resort of lenient mode: keep each line that, added to those kept so far, still validates. */
function lenientOneByOne(
  current: Config,
  planned: Planned[],
  problems: AutopProblem[],
  skipped: AutopEntry[],
): AutopResult {
  const kept: Planned[] = [];
  let config = current;
  for (const p of planned) {
    const r = validateConfig(build(current, [...kept, p]));
    if (r.ok) {
      kept.push(p);
      config = r.config;
    } else {
      skipped.push(p);
      problems.push(...r.problems.map((x) => ({ line: p.line, key: p.key, message: x.message })));
    }
  }
  return { config, problems: sortProblems(problems), applied: kept, skipped };
}

function build(current: Config, planned: Planned[]): unknown {
  let c: unknown = current;
  for (const p of planned) c = setAt(c, p.leaf.path, p.decoded);
  return c;
}

function lastLineByLeaf(planned: Planned[]): Map<string, Planned> {
  return new Map(planned.map((p) => [p.leaf.key, p]));
}

function sortProblems(p: AutopProblem[]): AutopProblem[] {
  return [...p].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

/** `line 12: Config.Settings.CALLTIMEOUT.DialIn: must be at most 120` */
export function formatAutopProblems(problems: AutopProblem[]): string {
  return problems.map((p) => `${p.line === null ? 'config' : `line ${p.line}`}: ${p.key}: ${p.message}`).join('\n');
}

/** Writes every setting as an autop file; importing it gives back the same config. */
export function writeAutop(config: Config, opts: { secrets?: boolean; header?: string[] } = {}): string {
  const out: string[] = ['# Portier autop file', ...(opts.header ?? []).map((h) => `# ${h}`)];
  let group = '';
  for (const leaf of leaves()) {
    if (leaf.meta.secret && opts.secrets === false) continue;
    const g = leaf.autop.split('.').slice(0, 3).join('.');
    if (g !== group) {
      out.push('');
      group = g;
    }
    let value: unknown = config;
    for (const p of leaf.path) value = (value as Record<string | number, unknown>)[p];
    out.push(`${leaf.autop} = ${quote(encodeValue(leaf, value))}`);
  }
  return `${out.join('\n')}\n`;
}
