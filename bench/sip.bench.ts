/**
 * SIP engine benchmarks, each next to its reference measured in the same run:
 * - dial() to INVITE received at the far end, p50/p99 over 50 calls, against a bare ctrl_tcp client
 *   driving a second baresip (same config) directly; the calls of both alternate;
 * - engine start to registered at kamailio, against spawn + connect + uanew by hand;
 * - SIGKILL of baresip to registered again. What is measured is the recovery itself: from the moment
 *   the engine notices baresip's exit (its `engine.down` event) to the account registered again, less
 *   the restart delay. The engine restarts after a backoff (sip/baresip/engine.ts #scheduleRestart:
 *   100 ms, doubling up to 30 s, back to 100 ms once a run lasted `stableMs`, 60 s); here every kill
 *   meets the backoff at its first step (stableMs 0), and that delay is printed on its own line,
 *   as is the time from the kill to the engine noticing it. Against: engine start → registered above;
 * - RSS at idle of the agent process (`portier run` of the device build: the bundle made by
 *   bundleAgent, run with the image's node flags, not under tsx) and of its baresip, next to a bare
 *   node process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock, silentLogger } from '../core/index.ts';
import { BaresipEngine } from '../sip/index.ts';
import { pbxAccount, startEngine } from '../test/harness/engine.ts';
import { startKamailio } from '../test/harness/kamailio.ts';
import { freeSipPort, freeTcpPort } from '../test/harness/ports.ts';
import { startProcess, stopAll } from '../test/harness/processes.ts';
import { SipSink } from '../test/harness/sip-sink.ts';
import { deviceBundle, deviceNodeEnv, deviceNodeFlags } from './device-agent.ts';
import { bareBaresip, benchSettings } from './lib/bare-baresip.ts';
import { fmt, median, percentile } from './lib/stats.ts';

const CALLS = 50;
const WARMUP = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const line = (name: string, value: string, ref: string) =>
  console.log(`${name.padEnd(52)} ${value.padStart(22)}   reference: ${ref}`);
/** A part of a figure above it, with what it covers. */
const part = (name: string, value: string, what: string) =>
  console.log(`${name.padEnd(52)} ${value.padStart(22)}   (${what})`);

function rssKb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0));
}

const work = await mkdtemp(join(tmpdir(), 'portier-bench-sip-'));
const pbx = await startKamailio({ subscribers: 2 });
try {
  // ---- dial() → INVITE at the far end ----
  const sink = await SipSink.start(486);
  const target = `sip:sink@127.0.0.1:${sink.port}`;
  const engine = new BaresipEngine(await benchSettings(), {
    log: silentLogger(),
    clock: new RealClock(),
    dir: join(work, 'engine'),
  });
  await engine.start();
  const bareSettings = await benchSettings();
  const bare = await bareBaresip(bareSettings, join(work, 'bare'));
  const ua = `sip:bench@127.0.0.1:${bareSettings.sipPort}`;
  await bare.ctrl.cmd('uanew', `<${ua}>;regint=0`);

  const viaEngine: number[] = [];
  const viaBare: number[] = [];
  for (let i = 0; i < CALLS + WARMUP; i++) {
    {
      const arrived = sink.next();
      const t0 = performance.now();
      const call = engine.dial(target);
      const a = await arrived;
      if (i >= WARMUP) viaEngine.push(a.at - t0);
      await new Promise<void>((resolve) => {
        const off = engine.events.on('call.closed', (p) => {
          if (p.call.id === call.id) {
            off();
            resolve();
          }
        });
      });
    }
    {
      const arrived = sink.next();
      const closed = bare.waitEvent('CALL_CLOSED');
      const t0 = performance.now();
      void bare.ctrl.send(['uafind', ua], ['dial', target]);
      const a = await arrived;
      if (i >= WARMUP) viaBare.push(a.at - t0);
      await closed;
    }
  }
  const p50e = median(viaEngine);
  const p50b = median(viaBare);
  line(
    `dial() → INVITE at the far end, ${CALLS} calls`,
    `p50 ${fmt(p50e)} p99 ${fmt(percentile(viaEngine, 99))}`,
    `bare ctrl_tcp client: p50 ${fmt(p50b)} p99 ${fmt(percentile(viaBare, 99))}`,
  );
  console.log(
    `${'  the engine adds at p50'.padEnd(52)} ${fmt(p50e - p50b).padStart(22)}   (limit 1 ms: ${p50e - p50b <= 1 ? 'met' : 'NOT met'})`,
  );
  sink.close();
  await engine.stop();
  bare.ctrl.close();
  await bare.proc.stop();

  // ---- engine start → registered ----
  const sub = pbx.subscribers[0]!;
  const startRuns: number[] = [];
  const bareRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const e = await startEngine({ accounts: [pbxAccount(pbx, sub)] });
    await e.waitFor('registration', (r) => r.state === 'registered');
    startRuns.push(performance.now() - t0);
    await e.stop();

    const dir = join(work, `bare-reg-${i}`);
    const t1 = performance.now();
    const b = await bareBaresip(await benchSettings(), dir);
    const ok = b.waitEvent('REGISTER_OK');
    await b.ctrl.cmd('uanew', `<sip:${sub.user}@127.0.0.1:${pbx.port}>;auth_pass=${sub.password};regint=60`);
    await ok;
    bareRuns.push(performance.now() - t1);
    b.ctrl.close();
    await b.proc.stop();
  }
  line(
    'engine start → registered (median of 5)',
    fmt(median(startRuns)),
    `spawn + connect + uanew by hand: ${fmt(median(bareRuns))}`,
  );

  // ---- SIGKILL → registered again: the recovery, the backoff at its first step ----
  const RESTART = { minMs: 100, maxMs: 30_000, stableMs: 0 }; // production's delays; every kill at the first step
  const e = await startEngine({ accounts: [pbxAccount(pbx, sub)], deps: { restart: RESTART } });
  await e.waitFor('registration', (r) => r.state === 'registered');
  const noticed: number[] = [];
  const recovery: number[] = [];
  const spawnToReady: number[] = [];
  const readyToRegistered: number[] = [];
  const killToRegistered: number[] = [];
  const at = (from: number, event: string, match: (p: never) => boolean = () => true) =>
    e.events.slice(from).find((r) => r.event === event && match(r.payload as never))!.at;
  for (let i = 0; i < 5; i++) {
    const from = e.events.length;
    const t0 = performance.now();
    process.kill(e.engine.pid!, 'SIGKILL');
    await e.waitFor('registration', (r) => r.state === 'registered', 30_000, from);
    const down = at(from, 'engine.down');
    const ready = at(from, 'engine.ready');
    const registered = at(from, 'registration', (r: { state: string }) => r.state === 'registered');
    noticed.push(down - t0);
    recovery.push(registered - down - RESTART.minMs);
    spawnToReady.push(ready - down - RESTART.minMs);
    readyToRegistered.push(registered - ready);
    killToRegistered.push(registered - t0);
    await sleep(200);
  }
  part('SIGKILL of baresip → engine notices (engine.down)', `median ${fmt(median(noticed))}`, "the child's exit seen");
  part('  restart backoff delay (first step, not counted)', fmt(RESTART.minMs), 'doubles per crash, up to 30 s');
  line(
    '  recovery: engine.down → registered, less backoff',
    `median ${fmt(median(recovery))} max ${fmt(Math.max(...recovery))}`,
    `engine start → registered: ${fmt(median(startRuns))}`,
  );
  part(
    '    of which: restart → engine ready',
    `median ${fmt(median(spawnToReady))}`,
    'spawn, ctrl_tcp connected, accounts added',
  );
  part(
    '    of which: engine ready → registered',
    `median ${fmt(median(readyToRegistered))}`,
    'the REGISTER transaction left',
  );
  line(
    '  as the device sees it: SIGKILL → registered',
    `median ${fmt(median(killToRegistered))}`,
    'requirement: within 3 s',
  );
  const baresipRss = await rssKb(e.engine.pid!);
  await e.stop();

  // ---- RSS at idle: the device build (portier run) with one registered account ----
  const dataDir = join(work, 'agent');
  const sipPort = await freeSipPort(2);
  const webPort = await freeTcpPort();
  const cli = [...(await deviceNodeFlags()), await deviceBundle('bench-sip')];
  execFileSync(
    'node',
    [
      ...cli,
      'config',
      'set',
      '--data-dir',
      dataDir,
      `Config.Settings.DIRECTIP.Port=${sipPort}`,
      `Config.Settings.WEB.Port=${webPort}`,
      'Config.Account1.GENERAL.Enable=1',
      `Config.Account1.GENERAL.UserName=${sub.user}`,
      `Config.Account1.GENERAL.Pwd=${sub.password}`,
      `Config.Account1.SIP.Server=127.0.0.1`,
      `Config.Account1.SIP.Port=${pbx.port}`,
    ],
    { stdio: 'ignore' },
  );
  const agent = startProcess(
    'agent',
    'node',
    [...cli, 'run', '--data-dir', dataDir, '--sip-address', '127.0.0.1', '--bind', '127.0.0.1'],
    { env: { ...process.env, ...(await deviceNodeEnv()) } },
  );
  await agent.waitForOutput(/"state":"registered"|registered/, 20_000).catch(() => undefined);
  await sleep(3000);
  const children = (await readFile(`/proc/${agent.pid}/task/${agent.pid}/children`, 'utf8'))
    .trim()
    .split(/\s+/)
    .map(Number);
  let agentBaresip = 0;
  for (const pid of children) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.startsWith('baresip')) agentBaresip = pid;
  }
  const agentRss = await rssKb(agent.pid);
  const agentBaresipRss = agentBaresip ? await rssKb(agentBaresip) : 0;
  await agent.stop(5000);
  const bareNode = spawn('node', ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(500);
  const nodeRss = await rssKb(bareNode.pid!);
  bareNode.kill('SIGKILL');
  line(
    'RSS at idle: agent process (portier run, bundle)',
    `${(agentRss / 1024).toFixed(1)} MB`,
    `bare node process: ${(nodeRss / 1024).toFixed(1)} MB`,
  );
  line(
    'RSS at idle: its baresip (1 registered account)',
    `${(agentBaresipRss / 1024).toFixed(1)} MB`,
    `baresip of the engine above: ${(baresipRss / 1024).toFixed(1)} MB`,
  );
} finally {
  await pbx.stop();
  await stopAll();
  await rm(work, { recursive: true, force: true });
}
