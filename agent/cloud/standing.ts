/**
 * The cloud's standing autop commands (the seed's "Others" box): autop lines the cloud set without
 * `once`. They are kept in the data dir (`cloud/standing.cfg`, written atomically) and applied again
 * after every provisioning from an autop server, so that a server file cannot silently undo them,
 * until the cloud replaces them (a new autop job) or clears them (an autop job with empty lines).
 *
 * The hook for auto-provisioning (issue 12): after each server provisioning, call
 * `ctx.services.cloud.afterProvisioning()` (it is `StandingCommands.reapply`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/index.ts';
import { writeFileAtomic } from '../config/atomic-file.ts';
import { type AutopProblem, type ConfigStore, formatAutopProblems, readAutop } from '../config/index.ts';

/** Where the standing commands are kept, in the data dir. */
export const standingFile = (dataDir: string) => join(dataDir, 'cloud', 'standing.cfg');

export type ReapplyResult = { applied: number; problems: AutopProblem[]; keys: string[] };

export class StandingCommands {
  readonly file: string;
  #store: ConfigStore;
  #log: Logger;
  #lines = '';

  constructor(deps: { file: string; store: ConfigStore; log: Logger }) {
    this.file = deps.file;
    this.#store = deps.store;
    this.#log = deps.log;
  }

  async load(): Promise<void> {
    this.#lines = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
  }

  get lines(): string {
    return this.#lines;
  }

  /** Keeps `lines` as the standing commands ("" clears them). */
  async save(lines: string): Promise<void> {
    await writeFileAtomic(this.file, lines);
    this.#lines = lines;
  }

  /**
   * Applies the standing commands on top of the config in force (strict: all or nothing). Call it
   * after every provisioning from an autop server. A problem (a line the new config no longer
   * accepts) changes nothing and is logged and returned.
   */
  async reapply(source = 'cloud-standing'): Promise<ReapplyResult> {
    if (!this.#lines.trim()) return { applied: 0, problems: [], keys: [] };
    let result: ReapplyResult = { applied: 0, problems: [], keys: [] };
    await this.#store
      .update((current) => {
        const r = readAutop(this.#lines, current, { fromServer: true });
        result = { applied: r.applied.length, problems: r.problems, keys: [] };
        return r.config ?? current;
      }, source)
      .then((change) => {
        result.keys = change.keys;
      });
    if (result.problems.length)
      this.#log.error(
        { problems: formatAutopProblems(result.problems) },
        'cloud: the standing autop commands no longer apply; nothing changed',
      );
    else if (result.keys.length) this.#log.info({ keys: result.keys }, 'cloud: standing autop commands applied again');
    return result;
  }
}
