/**
 * A lock file that serializes config writers across processes (the agent, `portier config set`).
 * The lock is created whole, with the holder's pid in it (written to a file of our own, then
 * hard-linked to the lock's name, which fails if the lock exists): no other process can ever see
 * it empty and take it for abandoned. A lock left by a process that died is taken over.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import type { Clock } from '../../core/index.ts';

export async function withFileLock<T>(
  file: string,
  clock: Clock,
  fn: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const mine = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(mine, String(process.pid), { mode: 0o600 });
  try {
    await acquire(file, mine, clock, timeoutMs);
  } finally {
    await unlink(mine).catch(() => {});
  }
  try {
    return await fn();
  } finally {
    await unlink(file).catch(() => {});
  }
}

async function acquire(file: string, mine: string, clock: Clock, timeoutMs: number): Promise<void> {
  const start = clock.monotonic();
  for (let attempt = 0; ; attempt++) {
    try {
      await link(mine, file);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const before = await stat(file).catch(() => undefined);
    if (!before) continue; // released meanwhile
    const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    const waited = clock.monotonic() - start;
    // A dead holder, or (from an older version that wrote the pid after creating the file) none
    // for longer than the time out: take it over, if it is still the same file.
    if ((holder && !isAlive(holder)) || (!holder && waited > timeoutMs)) {
      const now = await stat(file).catch(() => undefined);
      if (now && now.ino === before.ino) await unlink(file).catch(() => {});
      continue;
    }
    if (waited > timeoutMs) throw new Error(`config is locked by process ${holder}`);
    await clock.sleep(Math.min(5 * 2 ** attempt, 50));
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
