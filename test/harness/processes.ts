/**
 * Processes started by tests: each is tracked by PID and stopped at the end, even when the test
 * fails (call `stopAll()` from `after`/`t.after`; a process-exit hook SIGKILLs what is left).
 * Only processes started here are ever signalled.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export type Tracked = {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the output matches (looking at what was already printed too). */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  running(): boolean;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
};

const live = new Set<Tracked>();

process.on('exit', () => {
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {}
  }
});

export function startProcess(
  name: string,
  command: string,
  args: string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    stdin?: 'pipe' | 'ignore';
    maxOutput?: number;
    /** In a process group (and session) of its own, so a test can signal the group as a terminal does. */
    detached?: boolean;
  } = {},
): Tracked {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const max = opts.maxOutput ?? 4_000_000;
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString('utf8');
    if (out.length > max) out = out.slice(out.length - max);
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(tracked);
      for (const w of [...waiters]) w();
      resolve({ code, signal });
    }),
  );
  const tracked: Tracked = {
    name,
    pid: child.pid,
    child,
    exited,
    output: () => out,
    running: () => !done,
    waitForOutput(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            cleanup();
            resolve(m);
          } else if (done) {
            cleanup();
            reject(new Error(`${name} exited before printing ${re}; last output:\n${out.slice(-2000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name} did not print ${re} within ${timeoutMs} ms; last output:\n${out.slice(-2000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 3000) {
      if (done) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
  live.add(tracked);
  return tracked;
}

/** Stops every process still running that tests started, in parallel. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/** PIDs of the processes still running (to check that a test left nothing behind). */
export function livePids(): number[] {
  return [...live].map((p) => p.pid);
}
