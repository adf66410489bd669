/**
 * A long-lived child (baresip, the dev run's mosquitto) left running by an agent that was killed
 * (SIGKILL, crash) keeps its port, and the next one could not start. Each run writes the child's
 * PID to a file (`recordPid`); the next start ends that process (`endStale`) if it is still that
 * program run with the same argument (its dir or config file), and nothing else.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { Logger } from './log.ts';

export async function recordPid(pidFile: string, pid: number | undefined): Promise<void> {
  if (pid) await writeFile(pidFile, `${pid}\n`, { mode: 0o600 });
}

/**
 * Ends (SIGKILL) the process named in `pidFile` if its command line is still `program` with `arg`,
 * and waits until it is gone; `label` names it in the log ("a baresip of a previous run").
 */
export async function endStale(
  pidFile: string,
  match: { program: string; arg: string; label: string },
  log: Logger,
): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  const cmdline = async () => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  if (Number.isInteger(pid) && pid > 1) {
    const args = await cmdline();
    if (args[0]?.endsWith(match.program) && args.includes(match.arg)) {
      log.warn({ pid }, `${match.label} is still there: ending it`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
      // gone, or a zombie (its command line is empty): either holds no port
      for (let i = 0; i < 50 && (await cmdline())[0]; i++) await new Promise((r) => setTimeout(r, 20));
    }
  }
  await rm(pidFile, { force: true });
}
