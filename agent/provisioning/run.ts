/**
 * One provisioning run: fetch the common file, then `<MAC>.cfg`; if their content is what was
 * applied last, stop (no change, no event); else read both with the autop codec (strict) onto the
 * config in force, the MAC file's lines after the common file's (so they override it), and write
 * the result through the config store as one all-or-nothing change. A bad line anywhere and nothing
 * changes: the record names the file and the line. Then the cloud's standing commands are applied
 * again (the hook), so that a server file cannot undo them.
 */
import { createHash } from 'node:crypto';
import { type Clock, errorMessage } from '../../core/index.ts';
import { type AutopProblem, ConfigError, type ConfigStore, readAutop } from '../config/index.ts';
import { FetchError, type Fetcher, type FetchOptions } from './fetch-types.ts';
import { fileName, planFiles, redact } from './files.ts';
import type { ProvisioningState } from './state.ts';
import type { FileRecord, RunRecord, Trigger, UrlSource } from './types.ts';

/** What the cloud's standing commands did (agent/cloud/standing.ts). */
export type AfterProvisioning = () => Promise<{ applied: number; problems: AutopProblem[] }>;

export type RunDeps = {
  store: ConfigStore;
  state: ProvisioningState;
  fetch: Fetcher;
  clock: Clock;
  /** Called after files were applied (the cloud's standing commands); absent = nothing to apply again. */
  afterProvisioning?: AfterProvisioning;
};

/** The config store's `source` of a provisioning change. */
export const CHANGE_SOURCE = 'autop-server';

class Rejected extends Error {
  constructor(readonly problems: string[]) {
    super('rejected');
  }
}

type Fetched = { name: string; text: string };

export async function provision(
  server: { url: string; source: UrlSource },
  trigger: Trigger,
  fetchOptions: FetchOptions,
  deps: RunDeps,
): Promise<RunRecord> {
  const startedAt = new Date(deps.clock.now()).toISOString();
  const files: FileRecord[] = [];
  const base = { trigger, startedAt, url: redact(server.url), source: server.source, files, problems: [], changed: [] };
  const done = async (r: Omit<RunRecord, 'id' | 'endedAt'>, appliedHash?: string) => {
    const record: RunRecord = {
      id: await deps.state.nextId(),
      ...r,
      endedAt: new Date(deps.clock.now()).toISOString(),
    };
    await deps.state.record(record, appliedHash);
    return record;
  };

  let plan: ReturnType<typeof planFiles>;
  try {
    plan = planFiles(server.url, deps.store.get().identity.mac);
  } catch (err) {
    return done({ ...base, outcome: 'failed', error: `bad server URL: ${errorMessage(err)}` });
  }

  const got: Fetched[] = [];
  const fetchOne = async (url: URL): Promise<'ok' | 'missing'> => {
    const name = fileName(url);
    try {
      const r = await deps.fetch(url, fetchOptions);
      if (r.kind === 'missing') {
        files.push({ name, url: redact(url), status: 'missing', error: r.reason });
        return 'missing';
      }
      const text = r.data.toString('utf8');
      files.push({ name, url: redact(url), status: 'fetched', bytes: r.data.length, sha256: sha256(r.data) });
      got.push({ name, text });
      return 'ok';
    } catch (err) {
      const message = err instanceof FetchError ? err.message : errorMessage(err);
      files.push({ name, url: redact(url), status: 'failed', error: message });
      throw new FetchError(`${name}: ${message}`, err instanceof FetchError ? err.code : 'network');
    }
  };

  try {
    await fetchOne(plan.common);
    for (const u of plan.mac) if ((await fetchOne(u)) === 'ok') break;
  } catch (err) {
    return done({ ...base, outcome: 'failed', error: errorMessage(err) });
  }
  if (got.length === 0)
    return done({
      ...base,
      outcome: 'failed',
      error: `none of the device's files is on the server (${files.map((f) => f.name).join(', ')})`,
    });

  const hash = sha256(Buffer.from(files.map((f) => `${f.name}:${f.sha256 ?? '-'}`).join('\n')));
  const state = await deps.state.read();
  if (state.appliedHash === hash) return done({ ...base, outcome: 'unchanged' });

  const { text, where } = combine(got);
  let changed: string[];
  try {
    const change = await deps.store.update((current) => {
      const r = readAutop(text, current, { fromServer: true });
      if (!r.config) throw new Rejected(r.problems.map((p) => describe(p, where)));
      return r.config;
    }, CHANGE_SOURCE);
    changed = change.keys;
  } catch (err) {
    if (err instanceof Rejected) return done({ ...base, outcome: 'rejected', problems: err.problems });
    if (err instanceof ConfigError)
      return done({
        ...base,
        outcome: 'rejected',
        problems: err.problems.map((p) => `config: ${p.key}: ${p.message}`),
      });
    return done({ ...base, outcome: 'failed', error: `could not apply: ${errorMessage(err)}` });
  }

  let standing: RunRecord['standing'];
  if (deps.afterProvisioning) {
    try {
      const s = await deps.afterProvisioning();
      standing = { applied: s.applied, problems: s.problems.map((p) => describe(p, () => undefined)) };
    } catch (err) {
      standing = { applied: 0, problems: [errorMessage(err)] };
    }
  }
  return done({ ...base, outcome: 'applied', changed, ...(standing ? { standing } : {}) }, hash);
}

/** The files one after the other (the MAC file last, so its lines win), and where each line came from. */
function combine(got: Fetched[]): {
  text: string;
  where: (line: number) => { file: string; line: number } | undefined;
} {
  const starts: { file: string; first: number }[] = [];
  let next = 1;
  const parts: string[] = [];
  for (const f of got) {
    const text = f.text.replace(/^\uFEFF/, '');
    starts.push({ file: f.name, first: next });
    next += text.split(/\r\n|\r|\n/).length;
    parts.push(text);
  }
  return {
    text: parts.join('\n'),
    where: (line) => {
      const s = [...starts].reverse().find((x) => line >= x.first);
      return s && { file: s.file, line: line - s.first + 1 };
    },
  };
}

function describe(p: AutopProblem, where: (line: number) => { file: string; line: number } | undefined): string {
  if (p.line === null) return `config: ${p.key}: ${p.message}`;
  const w = where(p.line);
  return w ? `${w.file} line ${w.line}: ${p.key}: ${p.message}` : `line ${p.line}: ${p.key}: ${p.message}`;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
