/**
 * `make run` stopped from its terminal: Ctrl-C sends SIGINT to the whole foreground process group,
 * the agent and its children (the door's baresip, the dev indoor monitor's baresip, the dev broker's
 * mosquitto; the dev monitor agent runs in the agent's process). The agent alone must stop them, in
 * its order: no "SIP engine down", no child dying under it, exit 0, nothing left running. The dev
 * run is started in a real pseudo-terminal (util-linux `script`) and ^C is typed into it. Without a
 * terminal (init on the device), the children stay in the agent's process group.
 * The dev run has fixed ports (dev monitor 5070 and 8081, broker 18830): integration test files run
 * one at a time. The door's web, SIP and RTP ports are free ones.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigStore } from '../../agent/config/index.ts';
import { RealClock, silentLogger } from '../../core/index.ts';
import { type LogLine, until } from '../harness/agent.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from '../harness/ports.ts';
import { startProcess } from '../harness/processes.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const UP_MS = 60_000;

/** A process as /proc shows it: its start time tells it from a later one given the same PID. */
type Proc = { pid: number; ppid: number; pgrp: number; state: string; start: string; cmd: string };

async function proc(pid: number): Promise<Proc | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return undefined;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim();
  return { pid, state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), start: f[19]!, cmd };
}

async function allProcs(): Promise<Proc[]> {
  const all = await Promise.all((await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map((d) => proc(Number(d))));
  return all.filter((p) => p !== undefined);
}

async function childrenOf(pid: number): Promise<Proc[]> {
  return (await allProcs()).filter((p) => p.ppid === pid);
}

const name = (p: Proc) => p.cmd.split(' ')[0]!.split('/').pop()!;

async function alive(p: Proc): Promise<boolean> {
  const now = await proc(p.pid);
  return now !== undefined && now.start === p.start && now.state !== 'Z';
}

/** Everything the tests started or saw started (`script`, the agents, their children). */
const seen: Proc[] = [];

/** SIGKILLs what is still there of it and of their descendants: after each test, passed or failed. */
async function endAll(): Promise<void> {
  const procs = await allProcs();
  const tree = (pid: number): Proc[] => procs.filter((p) => p.ppid === pid).flatMap((c) => [c, ...tree(c.pid)]);
  const left: Proc[] = [];
  for (const p of seen.splice(0)) if (await alive(p)) left.push(p, ...tree(p.pid));
  for (const p of left)
    if (await alive(p)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {}
    }
}
after(endAll);

type DevRun = {
  child: ChildProcess;
  /** The agent (node), and its children once it is up. */
  agent: Proc;
  children: Proc[];
  output(): string;
  logs(): LogLine[];
  waitFor(re: RegExp, ms?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/**
 * `portier run --dev` on `dataDir`: in a pseudo-terminal (`script`, as in a terminal: the agent is
 * the session leader, the terminal's foreground group is its group) or, `terminal: false`, as init
 * runs it (a session of its own, no controlling terminal). Resolves once the agent runs.
 */
async function startDevRun(dataDir: string, terminal: boolean): Promise<DevRun> {
  const run = ['bin/portier.mjs', 'run', '--dev', '--data-dir', dataDir];
  const p = terminal
    ? startProcess(
        'the dev run (in a terminal)',
        'script',
        ['-qfec', `exec ${process.execPath} ${run.join(' ')}`, '/dev/null'],
        {
          cwd: ROOT,
          env: { ...process.env, SHELL: '/bin/sh' },
          stdin: 'pipe',
          detached: true,
        },
      )
    : startProcess('the dev run', process.execPath, run, { cwd: ROOT, detached: true });
  const child = p.child;
  const started = await proc(p.pid);
  if (started) seen.push(started);
  const out = p.output;
  const waitFor = async (re: RegExp, ms = UP_MS) => void (await p.waitForOutput(re, ms));
  const exited = p.exited;
  // JSON lines; through the terminal they end in \r\n, and the echoed ^C is in front of one.
  const logs = () =>
    out()
      .split(/\r?\n/)
      .flatMap((l) => {
        try {
          return [JSON.parse(l.slice(l.indexOf('{'))) as LogLine];
        } catch {
          return [];
        }
      });
  await waitFor(/"msg":"agent running"/);
  const pid = logs().find((l) => l.msg === 'agent running')!.pid as number;
  const agent = await proc(pid);
  assert.ok(agent, 'the agent runs');
  seen.push(agent);
  const all = await childrenOf(pid);
  seen.push(...all);
  // (from a checkout, tsx may have its esbuild running too)
  const children = all.filter((c) => /^(baresip|mosquitto)$/.test(name(c)));
  assert.deepEqual(
    children.map(name).sort(),
    ['baresip', 'baresip', 'mosquitto'],
    'the door, the dev monitor, the dev broker',
  );
  return { child, agent, children, output: out, logs, waitFor, exited };
}

/** What must not be in the log of a stop: the SIP engine taken for crashed, a child dying under the agent, errors. */
function troubles(logs: LogLine[], from: number): string[] {
  return logs
    .slice(from)
    .filter(
      (l) =>
        l.level >= 50 ||
        /SIP engine down|restart|dev broker exited|cloud link: error|baresip (exited|killed)/i.test(l.msg),
    )
    .map((l) => `${l.level} ${l.msg} ${JSON.stringify(l)}`);
}

async function stillRunning(procs: Proc[]): Promise<string[]> {
  const left: string[] = [];
  for (const p of procs) if (await alive(p)) left.push(`${p.pid} ${p.cmd}`);
  return left;
}

describe('make run stopped from its terminal', () => {
  let base: string;
  let dataDir: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'portier-interrupt-'));
    dataDir = join(base, 'data');
    const store = new ConfigStore({ dataDir, clock: new RealClock(), log: silentLogger() });
    await store.load();
    const [rtpMin, rtpMax] = await freeRtpRange();
    await store.apply(
      {
        web: { port: await freeTcpPort() },
        directIp: { port: await freeSipPort() },
        sip: { rtpPortMin: rtpMin, rtpPortMax: rtpMax },
      },
      'test',
    );
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('Ctrl-C: the agent stops baresip and mosquitto itself, logs no engine down, exits 0, leaves nothing', async (t) => {
    t.after(endAll);
    const run = await startDevRun(dataDir, true);
    const from = run.logs().length;
    run.child.stdin!.write('\x03'); // what the terminal's line discipline turns into SIGINT to the foreground group
    const { code } = await run.exited;
    const logs = run.logs();
    assert.ok(
      logs.slice(from).some((l) => l.msg === 'stopping' && l.signal === 'SIGINT'),
      run.output().slice(-2000),
    );
    assert.deepEqual(troubles(logs, from), []);
    assert.equal(code, 0, 'the agent exited 0');
    assert.deepEqual(await stillRunning([run.agent, ...run.children]), []);
  });

  it('a second Ctrl-C while the agent stops: it exits at once, and no child is left running', async (t) => {
    t.after(endAll);
    const run = await startDevRun(dataDir, true);
    // the door's baresip, stopped: it cannot answer `quit`, so the agent's stop waits for it
    const door = run.children.find((c) => c.cmd.includes(join(dataDir, 'baresip')))!;
    assert.ok(door, `the door's baresip among ${run.children.map((c) => c.cmd).join(', ')}`);
    process.kill(door.pid, 'SIGSTOP');
    run.child.stdin!.write('\x03');
    await run.waitFor(/"msg":"stopping"/);
    run.child.stdin!.write('\x03');
    const { code } = await run.exited;
    assert.ok(
      run.logs().some((l) => l.msg === 'second signal: exiting now'),
      run.output().slice(-2000),
    );
    assert.equal(code, 1);
    assert.deepEqual(await stillRunning([run.agent, ...run.children]), []);
  });

  it('the terminal closed (SIGHUP): the agent stops, and its children with it', async (t) => {
    t.after(endAll);
    const run = await startDevRun(dataDir, true);
    run.child.kill('SIGKILL'); // the terminal goes: its master side closes, the session gets SIGHUP
    await run.exited;
    await until(async () => !(await alive(run.agent)), 'the agent exits', 2400);
    assert.deepEqual(await stillRunning(run.children), []);
  });

  it('without a terminal (init): the children stay in its process group; SIGTERM stops them', async (t) => {
    t.after(endAll);
    const run = await startDevRun(dataDir, false);
    // agent-run's cleanup after a killed agent ends its process group: the children must be in it
    assert.deepEqual(
      run.children.map((c) => c.pgrp),
      run.children.map(() => run.agent.pid),
    );
    const from = run.logs().length;
    process.kill(run.agent.pid, 'SIGTERM');
    const { code } = await run.exited;
    assert.deepEqual(troubles(run.logs(), from), []);
    assert.equal(code, 0);
    assert.deepEqual(await stillRunning(run.children), []);
  });

  it('after a SIGKILLed dev run, the next one ends the mosquitto it left (it holds port 18830) and runs its own', async (t) => {
    t.after(endAll);
    const killed = await startDevRun(dataDir, false);
    const leftover = killed.children.find((c) => name(c) === 'mosquitto')!;
    process.kill(killed.agent.pid, 'SIGKILL');
    await killed.exited;
    assert.ok(await alive(leftover), 'its mosquitto outlived it');
    const run = await startDevRun(dataDir, false);
    await run.waitFor(/"msg":"dev broker ready/);
    assert.equal(await alive(leftover), false, 'the leftover mosquitto is gone');
    const mosquitto = run.children.find((c) => name(c) === 'mosquitto')!;
    assert.notEqual(mosquitto.pid, leftover.pid);
    assert.ok(
      run.logs().some((l) => /mosquitto of a previous dev run is still there/.test(l.msg)),
      'it said so',
    );
    assert.deepEqual(
      run.logs().filter((l) => l.msg === 'mosquitto' || l.msg === 'the dev broker exited'),
      [],
      'the new mosquitto listens',
    );
    process.kill(run.agent.pid, 'SIGTERM');
    assert.equal((await run.exited).code, 0);
    assert.deepEqual(await stillRunning(run.children), []);
  });
});
