/**
 * Cold start of the device build (the bundle of rootfs/agent-bundle.ts, with the V8 flags of the
 * image's agent-run), from the exec of `node portier.mjs run` to:
 *   (a) the web API answering (GET /api/v1/auth/state polled every 2 ms: 200),
 *   (b) the SIP engine ready (its log line "SIP engine ready" read from the agent's stdout),
 *   (c) an account registered at a local kamailio (the log line "SIP account registered"),
 * next to bare node's start + one HTTP answer (`http.createServer(...).listen()`, polled the same
 * way), measured in the same run. Median of RUNS starts, each on a fresh copy of the same data dir
 * (a device after a power cut: its config is there, nothing is running). (a) and (b) are taken
 * with the default config and with every part (2 accounts, cloud link to a local mosquitto);
 * (c) with every part. Goal (issue 16): each at most 1.5 s.
 */
import { rm } from 'node:fs/promises';
import {
  bareNodeStartAndAnswer,
  copyDataDir,
  deviceBundle,
  deviceNodeEnv,
  deviceNodeFlags,
  firstAnswer,
  type Setup,
  startDeviceAgent,
  withDeviceSetups,
} from './device-agent.ts';
import { fmt, median } from './lib/stats.ts';

const RUNS = Number(process.env.STARTUP_RUNS ?? 5);
const GOAL_MS = 1500;

type Times = { web: number; sip: number; registered?: number; online?: number };

async function coldStart(bundle: string, flags: string[], prepared: Setup): Promise<Times> {
  const setup = await copyDataDir(prepared);
  const agent = startDeviceAgent(bundle, flags, setup, await deviceNodeEnv());
  try {
    const [web, sip, registered, online] = await Promise.all([
      firstAnswer(setup.webPort, '/api/v1/auth/state', agent.proc.running),
      agent.seen(/"msg":"SIP engine ready"/),
      setup.accounts ? agent.seen(/"msg":"SIP account registered"/) : undefined,
      setup.cloud ? agent.seen(/"msg":"cloud link: online"/) : undefined,
    ]);
    return {
      web: web - agent.t0,
      sip: sip - agent.t0,
      ...(registered ? { registered: registered - agent.t0 } : {}),
      ...(online ? { online: online - agent.t0 } : {}),
    };
  } finally {
    await agent.stop();
    await rm(setup.dataDir, { recursive: true, force: true });
  }
}

const flags = await deviceNodeFlags();
const bundle = await deviceBundle('bench-startup');
await withDeviceSetups('0c1105fb0002', {}, async ({ plain, full }) => {
  console.log(`device build: ${bundle}, node flags: ${flags.join(' ') || '(none)'}, median of ${RUNS} runs`);
  const bare: number[] = [];
  const def: Times[] = [];
  const all: Times[] = [];
  // Interleaved, so that a busy moment of the machine spreads over all of them.
  for (let i = 0; i < RUNS; i++) {
    bare.push(await bareNodeStartAndAnswer());
    def.push(await coldStart(bundle, flags, plain));
    all.push(await coldStart(bundle, flags, full));
  }
  const ref = `bare node start + 1 HTTP answer ${fmt(median(bare))}`;
  const line = (name: string, values: number[]) => {
    const v = median(values);
    console.log(
      `${name.padEnd(52)} ${fmt(v).padStart(11)}   ${v <= GOAL_MS ? 'within' : 'OVER'} ${GOAL_MS} ms   reference: ${ref}   ratio ${(v / median(bare)).toFixed(1)}x`,
    );
  };
  line(
    '(a) exec → web API answering, default config',
    def.map((t) => t.web),
  );
  line(
    '(b) exec → SIP engine ready, default config',
    def.map((t) => t.sip),
  );
  line(
    '(a) exec → web API answering, every part',
    all.map((t) => t.web),
  );
  line(
    '(b) exec → SIP engine ready, every part',
    all.map((t) => t.sip),
  );
  line(
    '(c) exec → account registered at kamailio',
    all.map((t) => t.registered ?? Number.NaN),
  );
  line(
    '    exec → cloud link online (for information)',
    all.map((t) => t.online ?? Number.NaN),
  );
});
