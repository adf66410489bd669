/**
 * The agent's long-lived children (baresip, the dev run's mosquitto) and a terminal's Ctrl-C.
 *
 * In a terminal (`make run`), Ctrl-C sends SIGINT to the whole foreground process group: the agent
 * and its children. A child that exits under the agent is taken for a crash ("SIP engine down:
 * restarting it") while the agent is stopping, and the agent's own order (baresip's `quit`, then
 * SIGTERM...) is bypassed. So when the agent has a controlling terminal, these children run in a
 * process group (and session) of their own: only the agent gets the terminal's signals (SIGINT, and
 * SIGHUP when the terminal closes), and its stop ends the children itself. Only a process that
 * stops its modules on those signals (`portier run`: agent/main.ts) asks for it; elsewhere (a test
 * run, where a Ctrl-C must still end every baresip) the children stay in its group.
 *
 * Under init (the device) the agent has no terminal: its children stay in its process group, which
 * the init script ends as a whole after a killed agent (rootfs/overlay/etc/portier/agent-run).
 *
 * A child still running when the agent's process exits (a second Ctrl-C exits at once) is killed
 * then, so a detached one is not left behind. After a SIGKILL or a crash of the agent nothing can
 * run: the children survive, as they always did (a leftover baresip is ended by the next engine's
 * start, core/stale-child.ts).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const live = new Set<ChildProcess>();
let exitHook = false;
let shielded = false;
let terminal: boolean | undefined;

/**
 * From now on, children spawned while a terminal controls this process get a process group of their
 * own. For a process that stops them itself on SIGINT, SIGTERM and SIGHUP (agent/main.ts).
 */
export function shieldChildrenFromTerminal(): void {
  shielded = true;
}

/** `spawn`, in a process group of its own if asked and a terminal controls this process; killed at its exit. */
export function spawnLongLived(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: shielded && hasTerminal() });
  if (child.pid === undefined) return child; // not started: its 'error' event tells why
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  return child;
}

/**
 * Whether this process has a controlling terminal (the 7th field of /proc/self/stat, tty_nr, is not
 * 0): then a Ctrl-C or a hang-up of that terminal signals its whole process group. Without /proc,
 * a terminal on stdin says so.
 */
function hasTerminal(): boolean {
  terminal ??= ttyOfStat(readStat()) ?? process.stdin.isTTY === true;
  return terminal;
}

function readStat(): string {
  try {
    return readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return '';
  }
}

/** tty_nr of a /proc/<pid>/stat line: `pid (comm) state ppid pgrp session tty_nr ...` (comm may hold spaces and parentheses). */
function ttyOfStat(stat: string): boolean | undefined {
  if (!stat) return undefined;
  const tty = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[4]);
  return Number.isInteger(tty) ? tty !== 0 : undefined;
}
