/**
 * A baresip left running by an agent that was killed (SIGKILL, crash) keeps the SIP port, and the
 * next engine could not start. Each run writes its PID in the config dir; the next start ends that
 * process if it is still a baresip on the same dir (and nothing else).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/index.ts';

const PID_FILE = 'baresip.pid';

export async function killStale(dir: string, log: Logger): Promise<void> {
  const file = join(dir, PID_FILE);
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  if (cmdline[0]?.endsWith('baresip') && cmdline.includes(dir)) {
    log.warn({ pid }, 'a baresip of a previous run is still there: ending it');
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    for (let i = 0; i < 50; i++) {
      if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await rm(file, { force: true });
}

export async function recordPid(dir: string, pid: number | undefined): Promise<void> {
  if (pid) await writeFile(join(dir, PID_FILE), `${pid}\n`, { mode: 0o600 });
}
