/**
 * `autop` jobs: autop lines (or a file fetched by URL and checked against its SHA-256) applied as a
 * strict import: all or nothing, every problem line returned in the status. `once` applies them
 * one time; without it they become the cloud's standing commands (see ../standing.ts).
 */
import { createHash } from 'node:crypto';
import { HttpError, httpRequest } from '../../../core/index.ts';
import { type ConfigStore, formatAutopProblems, readAutop } from '../../config/index.ts';
import type { AutopJob } from '../protocol/index.ts';
import { MAX_JOB_BYTES } from '../protocol/index.ts';
import type { StandingCommands } from '../standing.ts';
import type { JobHandler, JobOutcome } from './handler.ts';

/** Largest autop file fetched by URL. */
export const MAX_AUTOP_FILE = 1024 * 1024;

export type Fetcher = (url: string) => Promise<Buffer>;

export const fetchFile: Fetcher = async (url) => {
  const res = await httpRequest(url, { timeoutMs: 30_000, redirect: 'follow', maxBytes: MAX_AUTOP_FILE }).catch(
    (err: Error) => {
      if (err instanceof HttpError && err.kind === 'too-large')
        throw new Error(`url: the file is more than ${MAX_AUTOP_FILE} bytes, at most ${MAX_AUTOP_FILE}`);
      throw new Error(`url: ${err.message}`);
    },
  );
  if (!res.ok) throw new Error(`url: ${res.status} ${res.statusText}`);
  return res.body;
};

export function autopHandler(deps: {
  store: ConfigStore;
  standing: StandingCommands;
  fetch?: Fetcher;
}): JobHandler<AutopJob> {
  const check = (text: string): JobOutcome | undefined => {
    const r = readAutop(text, deps.store.get(), { fromServer: true });
    if (r.problems.length === 0) return undefined;
    return {
      status: 'REJECTED',
      details: {
        error: 'the autop lines have problems; nothing changed',
        problems: formatAutopProblems(r.problems).split('\n'),
      },
    };
  };
  return {
    accept(doc) {
      if (doc.lines === undefined || doc.lines.trim() === '') return undefined;
      const bad = check(doc.lines);
      return bad ? (bad.details as { problems: string[] }).problems.join('; ') : undefined;
    },
    async run(ctx) {
      const { doc } = ctx;
      let text = doc.lines ?? '';
      if (doc.url) {
        await ctx.progress('downloading', 10);
        const body = await (deps.fetch ?? fetchFile)(doc.url);
        const sum = createHash('sha256').update(body).digest('hex');
        if (sum !== doc.sha256!.toLowerCase())
          return { status: 'REJECTED', details: `sha256: the file's is ${sum}, the job says ${doc.sha256}` };
        text = body.toString('utf8');
        if (Buffer.byteLength(text) > MAX_JOB_BYTES * 16) return { status: 'REJECTED', details: 'url: file too large' };
      }
      if (ctx.cancelled) return { status: 'CANCELED', details: 'cancelled before anything was applied' };
      if (!doc.once && text.trim() === '') {
        await deps.standing.save('');
        return { status: 'SUCCEEDED', details: { standing: 'cleared' } };
      }
      const bad = check(text);
      if (bad) return bad;
      // The irreversible part: the config write, all or nothing. Nothing awaits between the cancel
      // check above and it; a cancel that comes during the write is too late (the job SUCCEEDS).
      const r = readAutop(text, deps.store.get(), { fromServer: true });
      if (!r.config) return check(text) ?? { status: 'FAILED', details: 'the autop lines could not be applied' };
      const change = await deps.store.replace(r.config, 'cloud');
      if (!doc.once) await deps.standing.save(text);
      return {
        status: 'SUCCEEDED',
        details: { applied: r.applied.length, changed: change.keys, ...(doc.once ? {} : { standing: 'kept' }) },
      };
    },
  };
}
