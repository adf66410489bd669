/**
 * Power-cut-safe file replacement: write a temp file, fsync it, keep the current file as the
 * previous copy (a hard link, so the name appears atomically), rename the temp file over the
 * current one, fsync the directory. At every instant `file` is a whole old or a whole new copy.
 */
import { constants } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(file: string, data: string, opts: { previous?: string } = {}): Promise<void> {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.tmp`);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (opts.previous) {
    await unlink(opts.previous).catch(ignoreMissing);
    await link(file, opts.previous).catch(ignoreMissing);
  }
  await rename(tmp, file);
  await fsyncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
