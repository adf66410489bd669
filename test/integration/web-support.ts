/**
 * Helpers of the web tests (not a test file itself): an agent started in-process on a temp data
 * dir and a free port on 127.0.0.1, its log captured; and a small HTTP client that keeps the
 * session cookie and the CSRF token like the browser UI does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ConfigStore } from '../../agent/config/index.ts';
import { type Agent, createAgent } from '../../agent/main.ts';
import { RealClock, silentLogger } from '../../core/index.ts';
import { freeRtpRange, freeSipPort } from '../harness/ports.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

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
  opts: { dev?: boolean; config?: Record<string, unknown>; dataDir?: string } = {},
): Promise<TestAgent> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'portier-web-')));
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
  const options = { dataDir, hal: 'sim' as const, dev: opts.dev ?? true, bind: '127.0.0.1', sipAddress: '127.0.0.1' };
  t.agent = await createAgent(options, { log: pino({ level: 'debug' }, sink), onRestart: () => t.restarts++ });
  await t.agent.start();
  return t;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
export type Res = { status: number; headers: Headers; body: any; text: string };

/** An HTTP client with a cookie jar of one session and the CSRF token, as the UI keeps them. */
export class Client {
  base: string;
  cookie = '';
  csrf = '';
  token = '';

  constructor(base: string) {
    this.base = base;
  }

  async req(
    method: string,
    path: string,
    opts: { body?: unknown; text?: string; headers?: Record<string, string>; csrf?: boolean } = {},
  ): Promise<Res> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.csrf && opts.csrf !== false && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    let body: string | undefined;
    if (opts.text !== undefined) {
      body = opts.text;
      headers['content-type'] ??= 'text/plain';
    } else if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const r = await fetch(this.base + path, { method, headers, body, redirect: 'manual' });
    const set = r.headers.getSetCookie().find((c) => c.startsWith('portier_session='));
    if (set) this.cookie = set.split(';')[0]!.endsWith('=') ? '' : set.split(';')[0]!;
    const text = await r.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.status, headers: r.headers, body: json, text };
  }

  get(path: string, opts?: Parameters<Client['req']>[2]) {
    return this.req('GET', path, opts);
  }
  post(path: string, body: unknown = {}, opts: Parameters<Client['req']>[2] = {}) {
    return this.req('POST', path, { ...opts, body });
  }

  /** First-run setup with the code from the log; keeps the session. */
  async setup(t: TestAgent, password = 'correct horse battery'): Promise<Res> {
    const r = await this.post('/api/v1/auth/setup', { code: t.setupCode(), password });
    if (r.status === 200) this.csrf = r.body.result.csrfToken;
    return r;
  }

  async login(password = 'correct horse battery', user = 'admin'): Promise<Res> {
    const r = await this.post('/api/v1/auth/login', { user, password });
    if (r.status === 200) this.csrf = r.body.result.csrfToken;
    return r;
  }
}
