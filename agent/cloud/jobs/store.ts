/**
 * The jobs a device has seen, persisted in the data dir (`cloud/jobs.json`, written atomically like
 * the config), so a job survives a restart or a power cut and is finished or failed, never
 * forgotten, and a job id already seen is never run again. Every job not over is kept; of the
 * finished ones, the newest `keepFinished`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../config/atomic-file.ts';
import { isTerminal, type JobDocument, type JobState } from '../protocol/index.ts';

export type JobRecord = {
  id: string;
  /** The job type, when the document could be read. */
  type?: string;
  doc?: JobDocument;
  status: JobState;
  step?: string;
  progress?: number;
  details?: string | Record<string, unknown>;
  receivedAt: number;
  updatedAt: number;
  /** Boot id of the agent that started the job's irreversible part (reboot). */
  bootId?: string;
};

type File = { version: 1; jobs: JobRecord[] };

/** How the store reads and writes its file (a memory one in unit tests). */
export type StoreIo = {
  read(file: string): Promise<string | undefined>;
  write(file: string, text: string): Promise<void>;
};

export const fileIo: StoreIo = {
  async read(file) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
  },
  write: (file, text) => writeFileAtomic(file, text),
};

export class JobStore {
  readonly file: string;
  readonly keepFinished: number;
  #jobs = new Map<string, JobRecord>();
  #queue: Promise<unknown> = Promise.resolve();

  #io: StoreIo;

  constructor(file: string, opts: { keepFinished?: number; io?: StoreIo } = {}) {
    this.file = file;
    this.keepFinished = opts.keepFinished ?? 500;
    this.#io = opts.io ?? fileIo;
  }

  /** Reads the file; a missing file is an empty store, a corrupt one an error naming the file. */
  async load(): Promise<void> {
    const text = await this.#io.read(this.file);
    if (text === undefined) return;
    const doc = JSON.parse(text) as File;
    if (doc.version !== 1 || !Array.isArray(doc.jobs)) throw new Error(`${this.file}: not a job store`);
    this.#jobs = new Map(doc.jobs.map((j) => [j.id, j]));
  }

  get(id: string): JobRecord | undefined {
    const j = this.#jobs.get(id);
    return j && structuredClone(j);
  }

  all(): JobRecord[] {
    return [...this.#jobs.values()].map((j) => structuredClone(j));
  }

  /** Stores the record (new or changed) and writes the file; resolves once it is on disk. */
  put(rec: JobRecord): Promise<void> {
    this.#jobs.set(rec.id, structuredClone(rec));
    this.#prune();
    const snapshot: File = { version: 1, jobs: [...this.#jobs.values()] };
    const run = this.#queue.then(() => this.#io.write(this.file, `${JSON.stringify(snapshot)}\n`));
    this.#queue = run.catch(() => {});
    return run;
  }

  #prune(): void {
    const finished = [...this.#jobs.values()].filter((j) => isTerminal(j.status));
    if (finished.length <= this.keepFinished) return;
    finished.sort((a, b) => a.updatedAt - b.updatedAt);
    for (const j of finished.slice(0, finished.length - this.keepFinished)) this.#jobs.delete(j.id);
  }
}
