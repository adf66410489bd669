/**
 * A bounded log persisted as JSON lines: appends are cheap and durable, the file is compacted to
 * the newest `max` entries when it grows to twice that, and a torn last line (power cut) is skipped.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../config/atomic-file.ts';
import type { EventLog, LogPage } from './types.ts';

export class JsonlLog<T> implements EventLog<T> {
  readonly file: string;
  readonly max: number;
  #entries: T[] = [];
  #linesInFile = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(file: string, max = 1000) {
    this.file = file;
    this.max = max;
  }

  async load(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const text = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const lines = text.split('\n').filter((l) => l !== '');
    const entries: T[] = [];
    for (const l of lines) {
      try {
        entries.push(JSON.parse(l) as T);
      } catch {
        // a line torn by a power cut: skip it
      }
    }
    this.#entries = entries.slice(-this.max);
    this.#linesInFile = lines.length;
    if (entries.length !== lines.length || (text !== '' && !text.endsWith('\n'))) {
      // rewrite without the torn line, so the next append starts on a line of its own
      await writeFileAtomic(this.file, this.#entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
      this.#linesInFile = this.#entries.length;
    }
  }

  append(entry: T): Promise<void> {
    const run = this.#queue.then(async () => {
      this.#entries.push(entry);
      if (this.#entries.length > this.max) this.#entries.splice(0, this.#entries.length - this.max);
      if (this.#linesInFile + 1 >= 2 * this.max) {
        await writeFileAtomic(this.file, this.#entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
        this.#linesInFile = this.#entries.length;
      } else {
        await appendDurable(this.file, `${JSON.stringify(entry)}\n`);
        this.#linesInFile++;
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  page({ offset = 0, limit = 50 }: { offset?: number; limit?: number }): LogPage<T> {
    const newestFirst = [...this.#entries].reverse();
    return { total: newestFirst.length, entries: newestFirst.slice(offset, offset + limit) };
  }
}

async function appendDurable(file: string, text: string): Promise<void> {
  const fh = await open(file, 'a', 0o600);
  try {
    await fh.appendFile(text);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}
