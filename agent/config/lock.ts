/**
 * A lock file that serializes config writers across processes (the agent, `portier config set`).
 * A lock left by a process that died is taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import type { Clock } from '../../core/index.ts';

export async function withFileLock<T>(
  file: string,
  clock: Clock,
  fn: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const start = clock.monotonic();
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      if (!holder || !isAlive(holder)) {
        // Empty (the holder died between open and write) or a dead holder: take it over.
        await unlink(file).catch(() => {});
        continue;
      }
      if (clock.monotonic() - start > timeoutMs) throw new Error(`config is locked by process ${holder}`);
      await clock.sleep(Math.min(5 * 2 ** attempt, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(file).catch(() => {});
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
