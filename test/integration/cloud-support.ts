/**
 * What the cloud tests share: a Portier agent run as its own process (so it can be SIGKILLed, and
 * its restart is the real one), configured to connect to a test broker, and the operator tool run
 * as a user runs it (`portier fleet ...`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { ConfigStore } from '../../agent/config/index.ts';
import { type Agent, createAgent } from '../../agent/main.ts';
import { createLogger, RealClock, silentLogger } from '../../core/index.ts';
import type { Mosquitto } from '../harness/mosquitto.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from '../harness/ports.ts';
import { startProcess, type Tracked } from '../harness/processes.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const PORTIER = join(ROOT, 'bin', 'portier.mjs');

/** A device id from a number: 0c11050000NN. */
export const deviceId = (n: number) => `0c1105${n.toString(16).padStart(6, '0')}`;
export const macOf = (id: string) => id.toUpperCase().match(/../g)!.join(':');

export type AgentProcess = {
  id: string;
  dataDir: string;
  sipPort: number;
  proc: Tracked;
  /** Log lines (JSON) printed so far, parsed. */
  logs(): { msg: string; [k: string]: unknown }[];
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
};

/** Prepares a data dir for device `id` connected to `broker` (TLS, CA of the test), and starts the agent. */
export async function startAgentProcess(
  broker: Mosquitto,
  id: string,
  opts: { config?: Record<string, unknown>; dataDir?: string } = {},
): Promise<AgentProcess> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'portier-cloud-agent-')));
  const store = new ConfigStore({ dataDir, clock: new RealClock(), log: silentLogger() });
  await store.load();
  const [rtpPortMin, rtpPortMax] = await freeRtpRange(20);
  const sipPort = await freeSipPort(2);
  const creds = broker.device(id);
  await store.apply(
    {
      identity: { mac: macOf(id), name: `Door ${id.slice(-2)}`, location: 'Gate 1' },
      web: { port: await freeTcpPort() },
      directIp: { port: sipPort },
      sip: { rtpPortMin, rtpPortMax },
      cloud: {
        enabled: true,
        brokerUrl: broker.url,
        connectType: 'tls',
        caFile: broker.caFile,
        username: creds.username,
        password: creds.password,
      },
      ...opts.config,
    },
    'test',
  );
  const a: AgentProcess = {
    id,
    dataDir,
    sipPort,
    proc: undefined as unknown as Tracked,
    logs: () =>
      a.proc
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l)),
    async waitForLog(re, timeoutMs = 20_000) {
      await a.proc.waitForOutput(re, timeoutMs);
    },
    async start() {
      a.proc = startProcess(`agent ${id}`, process.execPath, [
        PORTIER,
        'run',
        '--data-dir',
        dataDir,
        '--hal',
        'sim',
        '--bind',
        '127.0.0.1',
        '--sip-address',
        '127.0.0.1',
        '--log-level',
        'debug',
      ]);
      await a.waitForLog(/cloud link: online/, 30_000);
    },
    stop: () => a.proc.stop(5000),
    async kill() {
      a.proc.child.kill('SIGKILL');
      await a.proc.exited;
    },
  };
  await a.start();
  return a;
}

export type FleetResult = { code: number; out: string; err: string };

/** Runs `portier fleet ...` as the operator, against `broker` (none: as configured by the fleet file). */
export async function fleet(broker: Mosquitto | undefined, ...args: string[]): Promise<FleetResult> {
  const env = broker
    ? {
        ...process.env,
        PORTIER_FLEET_BROKER: broker.url,
        PORTIER_FLEET_USERNAME: broker.operator.username,
        PORTIER_FLEET_PASSWORD: broker.operator.password,
        PORTIER_FLEET_CA: broker.caFile,
      }
    : process.env;
  try {
    const r = await run(process.execPath, [PORTIER, 'fleet', ...args], { env, cwd: ROOT, timeout: 120_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: e.stdout ?? '', err: e.stderr ?? '' };
  }
}

/** A raw MQTT client on the test broker (the operator's or a device's credentials). */
export function client(
  broker: Mosquitto,
  creds: { username: string; password: string },
  clientId?: string,
): Promise<MqttClient> {
  return mqtt.connectAsync(broker.url, {
    ...creds,
    ca: broker.ca,
    protocolVersion: 5,
    reconnectPeriod: 0,
    ...(clientId ? { clientId } : {}),
  });
}

/** The retained message on `topic` (JSON), read by a fresh subscription. */
export async function retained(c: MqttClient, topic: string): Promise<unknown> {
  let found: unknown;
  const on = (t: string, payload: Buffer, packet: { retain?: boolean }) => {
    if (t === topic && packet.retain) found = payload.length ? JSON.parse(payload.toString()) : undefined;
  };
  c.on('message', on);
  await c.subscribeAsync(topic, { qos: 1 });
  await new Promise((r) => setTimeout(r, 200));
  c.removeListener('message', on);
  await c.unsubscribeAsync(topic);
  return found;
}

/** `portier fleet ...` left running (watch): its output grows until it is stopped. */
export function fleetProcess(broker: Mosquitto, ...args: string[]): Tracked {
  return startProcess('fleet', process.execPath, [PORTIER, 'fleet', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORTIER_FLEET_BROKER: broker.url,
      PORTIER_FLEET_USERNAME: broker.operator.username,
      PORTIER_FLEET_PASSWORD: broker.operator.password,
      PORTIER_FLEET_CA: broker.caFile,
    },
  });
}

/** The cloud settings that connect an in-process agent (test/harness/agent.ts) to `broker` as `id`. */
export function cloudConfig(broker: Mosquitto, id: string): Record<string, unknown> {
  const creds = broker.device(id);
  return {
    identity: { mac: macOf(id), name: `Monitor ${id.slice(-2)}` },
    cloud: {
      enabled: true,
      brokerUrl: broker.url,
      connectType: 'tls',
      caFile: broker.caFile,
      username: creds.username,
      password: creds.password,
    },
  };
}

export type RestartableAgent = {
  /** The agent running now (a restart replaces it, as `portier run` does). */
  current(): Agent;
  dataDir: string;
  logs: { msg: string; [k: string]: unknown }[];
  restarts: number;
  stop(): Promise<void>;
};

/**
 * An agent in-process (sim HAL, free ports, 127.0.0.1) whose `restart()` stops it and builds it
 * again from its data dir, as `portier run` does: a reboot job can be followed to its end.
 */
export async function startRestartableAgent(
  config: Record<string, unknown>,
  extra: { devBroker?: boolean } = {},
): Promise<RestartableAgent> {
  const dataDir = await mkdtemp(join(tmpdir(), 'portier-cloud-agent-'));
  const store = new ConfigStore({ dataDir, clock: new RealClock(), log: silentLogger() });
  await store.load();
  const [rtpPortMin, rtpPortMax] = await freeRtpRange(20);
  await store.apply(
    {
      web: { port: await freeTcpPort() },
      directIp: { port: await freeSipPort(2) },
      sip: { rtpPortMin, rtpPortMax },
      ...config,
    },
    'test',
  );
  const logs: RestartableAgent['logs'] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const log = createLogger({ level: 'debug', destination: sink });
  const options = {
    dataDir,
    hal: 'sim' as const,
    dev: true,
    devMonitor: false,
    bind: '127.0.0.1',
    sipAddress: '127.0.0.1',
    ...extra,
  };
  let agent: Agent;
  let restarting: Promise<void> | undefined;
  const r: RestartableAgent = {
    current: () => agent,
    dataDir,
    logs,
    restarts: 0,
    async stop() {
      await restarting;
      await agent.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  const boot = async () => {
    agent = await createAgent(options, { log, onRestart: restart });
    await agent.start();
  };
  function restart() {
    r.restarts++;
    restarting = agent.stop().then(boot);
  }
  await boot();
  return r;
}
