/**
 * Helpers of the web tests (not a test file itself): an agent started in-process on a temp data
 * dir and a free port on 127.0.0.1, its log captured; and a small HTTP client that keeps the
 * session cookie and the CSRF token like the browser UI does.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UI_DIR } from '../../agent/parts/web.ts';
import { VERSION } from '../../agent/version.ts';
import { silentLogger } from '../../core/index.ts';
import { listRoutes, type RouteInfo } from '../../web/index.ts';
import type { TestAgent } from '../harness/agent.ts';

export { freePort, type LogLine, startAgent, type TestAgent, until } from '../harness/agent.ts';

/**
 * Every route the agent's web server registers: built by the same code with the agent's own deps
 * (nothing listens, nothing is loaded or written), so that a sweep cannot miss a new route.
 */
export function registeredRoutes(t: TestAgent): Promise<RouteInfo[]> {
  const c = t.agent.ctx;
  return listRoutes({
    config: c.config,
    bus: c.bus,
    clock: c.clock,
    log: silentLogger(),
    services: c.services,
    dataDir: c.options.dataDir,
    dev: c.options.dev,
    bind: '127.0.0.1',
    hal: c.options.hal,
    version: VERSION,
    uiDir: UI_DIR,
    restart: () => {
      throw new Error('listing the routes must not restart anything');
    },
  });
}

/** Path, mode and SHA-256 of every file under `dir`: two equal snapshots mean nothing was written. */
export async function dirSnapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = join(e.parentPath, e.name);
    const [st, data] = await Promise.all([stat(file), readFile(file)]);
    out[file.slice(dir.length + 1)] =
      `${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(data).digest('hex')}`;
  }
  return out;
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
