/**
 * What provisioning keeps in the data dir (`provisioning/state.json`, written atomically): the hash
 * of the files applied last (change detection survives a restart) and the records of the last runs.
 * It is read again before each use, so a run from the CLI and the agent's runs see each other.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../config/atomic-file.ts';
import type { RunRecord } from './types.ts';

export const KEEP_RUNS = 20;

export type StateDoc = {
  /** Hash over the files applied last (names and contents); a run with the same hash applies nothing. */
  appliedHash?: string;
  appliedAt?: string;
  /** Newest first, at most KEEP_RUNS. */
  runs: RunRecord[];
};

export class ProvisioningState {
  readonly file: string;
  #keep: number;

  constructor(dataDir: string, keep = KEEP_RUNS) {
    this.file = join(dataDir, 'provisioning', 'state.json');
    this.#keep = keep;
  }

  async read(): Promise<StateDoc> {
    try {
      const doc = JSON.parse(await readFile(this.file, 'utf8')) as Partial<StateDoc>;
      return { ...doc, runs: Array.isArray(doc.runs) ? doc.runs : [] };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [] };
      // A damaged state file costs one extra apply of unchanged files, nothing else.
      return { runs: [] };
    }
  }

  /** Adds a run's record (and, when it applied, its hash) and writes the file. */
  async record(run: RunRecord, appliedHash?: string): Promise<StateDoc> {
    const doc = await this.read();
    const next: StateDoc = {
      ...doc,
      ...(appliedHash ? { appliedHash, appliedAt: run.endedAt } : {}),
      runs: [run, ...doc.runs].slice(0, this.#keep),
    };
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  }

  async nextId(): Promise<number> {
    const doc = await this.read();
    return (doc.runs[0]?.id ?? 0) + 1;
  }
}
