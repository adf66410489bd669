/**
 * Idle memory of the device build (the bundle of rootfs/agent-bundle.ts, started with the V8 flags
 * of the image's agent-run), next to bare `node -e 'setInterval(()=>{},1e9)'` measured in the same run:
 * - the default config (nothing configured: web UI/API, SIP engine, simulated HAL);
 * - a config that uses every part: 2 accounts registered at a local kamailio, the cloud link
 *   online at a local mosquitto (TLS), the web UI set up with its events stream open, and logged
 *   in 3 times more (the installer coming back); also measured with glibc's malloc as it comes
 *   (without the image's MALLOC_TUNABLES), the evidence for them.
 * RSS is the agent process's own (VmRSS; baresip is a process of its own), read after the agent is
 * ready and has idled IDLE_MS, median of RUNS starts. Goal (issue 16): at most 60 MB.
 */
import { rm } from 'node:fs/promises';
import {
  bareNodeIdleRss,
  copyDataDir,
  deviceBundle,
  deviceNodeEnv,
  deviceNodeFlags,
  firstAnswer,
  logIn,
  openEventsStream,
  rssMb,
  type Setup,
  sleep,
  startDeviceAgent,
  withDeviceSetups,
} from './device-agent.ts';
import { median } from './lib/stats.ts';

const RUNS = Number(process.env.FOOTPRINT_RUNS ?? 3);
const IDLE_MS = Number(process.env.FOOTPRINT_IDLE_MS ?? 8000);
const GOAL_MB = 60;
const LOGINS = 3;

const mb = (v: number) => `${v.toFixed(1)} MB`;
const line = (name: string, value: number, ref: string) =>
  console.log(
    `${name.padEnd(52)} ${mb(value).padStart(9)}   ${value <= GOAL_MB ? 'within' : 'OVER'} ${GOAL_MB} MB   reference: ${ref}`,
  );

async function idleRss(
  bundle: string,
  flags: string[],
  env: Record<string, string>,
  prepared: Setup,
  every: boolean,
): Promise<number> {
  const setup = await copyDataDir(prepared);
  const agent = startDeviceAgent(bundle, flags, setup, env);
  let stream: { close(): void } | undefined;
  try {
    await firstAnswer(setup.webPort, '/api/v1/auth/state', agent.proc.running);
    await agent.seen(/"msg":"SIP engine ready"/);
    if (every) {
      await agent.seen(/"account":"1".*"msg":"SIP account registered"/);
      await agent.seen(/"account":"2".*"msg":"SIP account registered"/);
      await agent.seen(/"msg":"cloud link: online"/);
      stream = await openEventsStream(agent, setup.webPort);
      // the installer comes back: each login hashes the password (scrypt, 16 MB of memory)
      for (let i = 0; i < LOGINS; i++) {
        const status = await logIn(setup.webPort);
        if (status !== 200) throw new Error(`login answered ${status}`);
      }
    }
    await sleep(IDLE_MS);
    return await rssMb(agent.proc.pid);
  } finally {
    stream?.close();
    await agent.stop();
    await rm(setup.dataDir, { recursive: true, force: true });
  }
}

const flags = await deviceNodeFlags();
const env = await deviceNodeEnv();
const bundle = await deviceBundle('bench-footprint');
await withDeviceSetups('0c1105fb0001', { minExpires: 60 }, async ({ plain, full }) => {
  console.log(`device build: ${bundle}, node flags: ${flags.join(' ') || '(none)'}, median of ${RUNS} runs`);
  const bare: number[] = [];
  const bareFlags: number[] = [];
  const def: number[] = [];
  const all: number[] = [];
  const allDefaultMalloc: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(await bareNodeIdleRss());
    if (flags.length) bareFlags.push(await bareNodeIdleRss(flags));
    def.push(await idleRss(bundle, flags, env, plain, false));
    all.push(await idleRss(bundle, flags, env, full, true));
    if (env.GLIBC_TUNABLES) allDefaultMalloc.push(await idleRss(bundle, flags, {}, full, true));
  }
  const ref = `bare node idle ${mb(median(bare))}${flags.length ? ` (with the flags ${mb(median(bareFlags))})` : ''}`;
  line('idle RSS, default config', median(def), ref);
  line(`idle RSS, every part (2 accounts, cloud, UI, ${LOGINS} logins)`, median(all), ref);
  if (allDefaultMalloc.length)
    line('  the same with glibc malloc as it comes', median(allDefaultMalloc), `with ${env.GLIBC_TUNABLES}`);
});
