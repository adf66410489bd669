/**
 * An agent started in-process for tests: sim HAL, a temp data dir, free ports for everything it
 * listens on (web, SIP, RTP), everything on 127.0.0.1, its log captured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ConfigStore } from '../../agent/config/index.ts';
import { type Agent, createAgent } from '../../agent/main.ts';
import { createLogger, RealClock, silentLogger } from '../../core/index.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from './ports.ts';

export const freePort = freeTcpPort;

/** Polls `check` until it returns something truthy (a state reached by another part in its own time). */
export async function until<T>(check: () => Promise<T> | T, what: string, tries = 200): Promise<NonNullable<T>> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

export type LogLine = { level: number; msg: string; [k: string]: unknown };

export type TestAgent = {
  agent: Agent;
  dataDir: string;
  port: number;
  base: string;
  logs: LogLine[];
  restarts: number;
  setupCode(): string;
  stop(): Promise<void>;
};

/** Starts an agent with the sim HAL in-process; `config` is applied before start (the web port is always a free one). */
export async function startAgent(
  opts: {
    dev?: boolean;
    devMonitor?: boolean | 'portier' | 'auto';
    config?: Record<string, unknown>;
    dataDir?: string;
  } = {},
): Promise<TestAgent> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'portier-agent-')));
  const port = await freePort();
  const store = new ConfigStore({ dataDir, clock: new RealClock(), log: silentLogger() });
  await store.load();
  // Free ports for everything the agent listens on: web, SIP (direct IP), RTP.
  const [rtpPortMin, rtpPortMax] = await freeRtpRange(20);
  await store.apply(
    {
      directIp: { port: await freeSipPort(2) },
      sip: { rtpPortMin, rtpPortMax },
      ...opts.config,
      web: { port, ...(opts.config?.web as object | undefined) },
    },
    'test',
  );
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const t: TestAgent = {
    agent: undefined as unknown as Agent,
    dataDir,
    port,
    base: `http://127.0.0.1:${port}`,
    logs,
    restarts: 0,
    setupCode() {
      const line = [...logs].reverse().find((l) => typeof l.setupCode === 'string');
      if (!line) throw new Error('no setup code in the log');
      return line.setupCode as string;
    },
    async stop() {
      await t.agent.stop();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  // Everything on 127.0.0.1: the web server (bind) and the SIP engine (sipAddress, read by the SIP part).
  const options = {
    dataDir,
    hal: 'sim' as const,
    dev: opts.dev ?? true,
    devMonitor: opts.devMonitor ?? false,
    bind: '127.0.0.1',
    sipAddress: '127.0.0.1',
  };
  t.agent = await createAgent(options, {
    log: createLogger({ level: 'debug', destination: sink }),
    onRestart: () => t.restarts++,
  });
  await t.agent.start();
  return t;
}
