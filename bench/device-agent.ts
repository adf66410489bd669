/**
 * The device build as the benches of footprint and start time run it: the bundle made by
 * `bundleAgent` (rootfs/agent-bundle.ts) in build/<dir>/portier.mjs, started with the V8 flags of
 * the image's start script (rootfs/overlay/etc/portier/agent-run), the simulated HAL and a temp
 * data dir prepared with a config. Every process is tracked (test/harness/processes.ts) and stopped,
 * also on failure. Readiness is read from the agent itself: its HTTP API answering, and its log
 * lines ("SIP engine ready", "SIP account registered", "cloud: online").
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigStore } from '../agent/config/index.ts';
import { RealClock, silentLogger } from '../core/index.ts';
import { bundleAgent } from '../rootfs/agent-bundle.ts';
import { agentNodeEnv, agentNodeFlags } from '../rootfs/agent-run.ts';
import { type Kamailio, startKamailio } from '../test/harness/kamailio.ts';
import { type Mosquitto, startMosquitto } from '../test/harness/mosquitto.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from '../test/harness/ports.ts';
import { startProcess, stopAll, type Tracked } from '../test/harness/processes.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bundles the device build into build/<dir>/portier.mjs (next to build/ui, as on the device). */
export async function deviceBundle(dir: string): Promise<string> {
  const out = join(REPO, 'build', dir, 'portier.mjs');
  await rm(join(REPO, 'build', dir), { recursive: true, force: true });
  await bundleAgent(out);
  return out;
}

/**
 * The node flags the image starts the agent with (rootfs/agent-run.ts); `DEVICE_NODE_FLAGS` in the
 * environment replaces them, to compare (`DEVICE_NODE_FLAGS= make bench`: none).
 */
export async function deviceNodeFlags(): Promise<string[]> {
  const override = process.env.DEVICE_NODE_FLAGS;
  if (override !== undefined) return override.split(/\s+/).filter(Boolean);
  return agentNodeFlags();
}

/**
 * The environment the image starts the agent with (glibc's malloc tunables, rootfs/agent-run.ts);
 * `DEVICE_MALLOC_TUNABLES` replaces them (empty: none).
 */
export async function deviceNodeEnv(): Promise<Record<string, string>> {
  const override = process.env.DEVICE_MALLOC_TUNABLES;
  if (override !== undefined) return override ? { GLIBC_TUNABLES: override } : {};
  return agentNodeEnv();
}

export type Setup = { dataDir: string; webPort: number; accounts: number; cloud: boolean };

export type Everything = { pbx: Kamailio; broker: Mosquitto; deviceId: string };

/**
 * A data dir with a config: the default one (free ports on 127.0.0.1 only), or with `every`, one
 * that uses every part: two accounts registering at the kamailio, the cloud link to the mosquitto.
 */
export async function prepareDataDir(every?: Everything): Promise<Setup> {
  const dataDir = await mkdtemp(join(tmpdir(), 'portier-bench-device-'));
  const store = new ConfigStore({ dataDir, clock: new RealClock(), log: silentLogger() });
  await store.load();
  const webPort = await freeTcpPort();
  const [rtpPortMin, rtpPortMax] = await freeRtpRange(20);
  const patch: Record<string, unknown> = {
    web: { port: webPort },
    directIp: { port: await freeSipPort(2) },
    sip: { rtpPortMin, rtpPortMax },
  };
  if (every) {
    const { pbx, broker, deviceId } = every;
    patch.identity = { mac: deviceId.toUpperCase().match(/../g)!.join(':') };
    patch.accounts = pbx.subscribers.slice(0, 2).map((s) => ({
      enabled: true,
      user: s.user,
      password: s.password,
      server: pbx.host,
      port: pbx.port,
      transport: 'udp',
    }));
    const creds = broker.device(deviceId);
    patch.cloud = {
      enabled: true,
      brokerUrl: broker.url,
      connectType: 'tls',
      caFile: broker.caFile,
      username: creds.username,
      password: creds.password,
    };
  }
  await store.apply(patch, 'bench');
  return { dataDir, webPort, accounts: every ? 2 : 0, cloud: !!every };
}

/**
 * Runs `body` with the two data dirs the device benches compare: the default config, and every part
 * (a kamailio with 2 subscribers, a mosquitto knowing `deviceId`); stops and removes all of it after.
 */
export async function withDeviceSetups(
  deviceId: string,
  kamailio: { minExpires?: number },
  body: (setups: { plain: Setup; full: Setup }) => Promise<void>,
): Promise<void> {
  const pbx = await startKamailio({ subscribers: 2, ...kamailio });
  const broker = await startMosquitto({ devices: [deviceId] });
  const plain = await prepareDataDir();
  const full = await prepareDataDir({ pbx, broker, deviceId });
  try {
    await body({ plain, full });
  } finally {
    await stopAll();
    await pbx.stop();
    await broker.close();
    await rm(plain.dataDir, { recursive: true, force: true });
    await rm(full.dataDir, { recursive: true, force: true });
  }
}

/** A copy of a prepared data dir (each start from the same state). */
export async function copyDataDir(setup: Setup): Promise<Setup> {
  const dataDir = await mkdtemp(join(tmpdir(), 'portier-bench-device-'));
  await cp(setup.dataDir, dataDir, { recursive: true });
  return { ...setup, dataDir };
}

export type RunningAgent = {
  proc: Tracked;
  /** performance.now() at the exec. */
  t0: number;
  /** performance.now() when the first log line matching each pattern was seen. */
  seen(re: RegExp, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
};

/** Starts `node [flags] bundle run --hal sim --data-dir ... --log-level info` as the device does. */
export function startDeviceAgent(
  bundle: string,
  flags: string[],
  setup: Setup,
  env: Record<string, string> = {},
): RunningAgent {
  const seenAt = new Map<string, number>();
  const t0 = performance.now();
  const proc = startProcess(
    'agent',
    process.execPath,
    [
      ...flags,
      bundle,
      'run',
      '--hal',
      'sim',
      '--data-dir',
      setup.dataDir,
      '--log-level',
      'info',
      '--bind',
      '127.0.0.1',
      '--sip-address',
      '127.0.0.1',
    ],
    { env: { ...process.env, ...env, PORTIER_DHCP_OPTIONS: join(setup.dataDir, 'no-dhcp-options') } },
  );
  let pending = '';
  const lines: { at: number; line: string }[] = [];
  const onData = (d: Buffer) => {
    const at = performance.now();
    pending += d.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) lines.push({ at, line });
  };
  proc.child.stdout!.on('data', onData);
  return {
    proc,
    t0,
    async seen(re, timeoutMs = 15_000) {
      const key = re.source;
      const end = performance.now() + timeoutMs;
      for (;;) {
        const hit = lines.find((l) => re.test(l.line));
        if (hit) {
          seenAt.set(key, hit.at);
          return hit.at;
        }
        if (!proc.running()) throw new Error(`the agent exited before logging ${re}:\n${proc.output().slice(-2000)}`);
        if (performance.now() > end) throw new Error(`the agent did not log ${re}:\n${proc.output().slice(-2000)}`);
        await sleep(2);
      }
    },
    stop: () => proc.stop(5000),
  };
}

/** One GET on 127.0.0.1: the status code, or 0 when nothing answers yet. */
export function get(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Polls GET `path` every 2 ms until a 200: performance.now() of that answer. */
export async function firstAnswer(
  port: number,
  path: string,
  alive: () => boolean,
  timeoutMs = 15_000,
): Promise<number> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if ((await get(port, path)) === 200) return performance.now();
    if (!alive()) throw new Error(`the process exited before answering ${path}`);
    await sleep(2);
  }
  throw new Error(`nothing answered ${path} on port ${port}`);
}

/** Bare node: start, listen, answer one HTTP request (the cold start reference). */
export async function bareNodeStartAndAnswer(): Promise<number> {
  const port = await freeTcpPort();
  const t0 = performance.now();
  const proc = startProcess('bare-node', process.execPath, [
    '-e',
    `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`,
  ]);
  try {
    return (await firstAnswer(port, '/', proc.running)) - t0;
  } finally {
    await proc.stop();
  }
}

/** RSS of a process in MB (/proc/PID/status VmRSS). */
export async function rssMb(pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024;
}

/** Bare node idling (`node -e 'setInterval(()=>{},1e9)'`): its RSS after `settleMs`. */
export async function bareNodeIdleRss(flags: string[] = [], settleMs = 3000): Promise<number> {
  const proc = startProcess('bare-node', process.execPath, [...flags, '-e', 'setInterval(()=>{},1e9)']);
  try {
    await sleep(settleMs);
    return await rssMb(proc.pid);
  } finally {
    await proc.stop();
  }
}

const ADMIN_PASSWORD = 'bench-Password-1234';

/** Logs in as the admin (after openEventsStream made the password): the HTTP status. */
export function logIn(port: number): Promise<number> {
  const body = JSON.stringify({ password: ADMIN_PASSWORD });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/auth/login',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Logs in to the web UI of a fresh data dir (first-run setup with the code from the log) and opens
 * the events stream as the UI does: resolves once the stream answered; `close()` ends it.
 */
export async function openEventsStream(agent: RunningAgent, port: number): Promise<{ close(): void }> {
  await agent.seen(/"setupCode"/);
  const line = agent.proc.output().match(/"setupCode":"([^"]+)"/);
  if (!line?.[1]) throw new Error('no setup code in the log');
  const body = JSON.stringify({ code: line[1], password: ADMIN_PASSWORD });
  const cookie = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/auth/setup',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        const c = res.headers['set-cookie']?.[0]?.split(';')[0];
        if (res.statusCode === 200 && c) resolve(c);
        else reject(new Error(`first-run setup answered ${res.statusCode}`));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api/v1/events', headers: { cookie, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`the events stream answered ${res.statusCode}`));
        res.resume();
        resolve({ close: () => req.destroy() });
      },
    );
    req.on('error', (err) => reject(err));
    req.end();
  });
}
