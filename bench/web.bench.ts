/**
 * Web benchmarks: the status API under 50 concurrent connections for 10 s (autocannon, with an API
 * token, against the device build (rootfs/agent-bundle.ts, started as agent-run starts it) in its own
 * process), next to a bare node:http server answering the
 * same JSON in the same run; and the size of the UI's compressed assets against its budget.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/harness/agent.ts';
import { freeRtpRange, freeSipPort } from '../test/harness/ports.ts';
import { BUDGET_BYTES, buildUi } from '../web/build-ui.ts';
import { deviceBundle, deviceNodeEnv, deviceNodeFlags } from './device-agent.ts';
import { fmt } from './lib/stats.ts';

/** The part of autocannon's API used here (the package ships no types). */
type LoadResult = {
  latency: { p50: number; p99: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
};
type Autocannon = (
  opts: { url: string; connections: number; duration: number; headers: Record<string, string> },
  done: (err: Error | null, result: LoadResult) => void,
) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const CONNECTIONS = 50;
const DURATION_S = 10;

const children: ChildProcess[] = [];
const dir = await mkdtemp(join(tmpdir(), 'portier-web-bench-'));

function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return;
  const exited = new Promise((resolve) => c.once('exit', resolve));
  process.kill(c.pid, 'SIGTERM');
  const timer = setTimeout(() => c.exitCode === null && c.signalCode === null && process.kill(c.pid!, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function load(url: string, headers: Record<string, string>): Promise<LoadResult> {
  return new Promise((resolve, reject) =>
    autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers }, (err, r) =>
      err ? reject(err) : resolve(r),
    ),
  );
}

function line(name: string, r: LoadResult): string {
  return `${name.padEnd(44)} p50 ${fmt(r.latency.p50).padStart(9)}  p99 ${fmt(r.latency.p99).padStart(9)}  ${Math.round(r.requests.average)} req/s  (${r.non2xx} non-2xx, ${r.errors} errors)`;
}

try {
  const ui = await buildUi({ ifStale: true });

  // The agent as on a device, in its own process (dev run: everything on 127.0.0.1).
  const port = await freePort();
  const sipPort = await freeSipPort(2);
  const [rtpMin, rtpMax] = await freeRtpRange(20);
  // the device build (rootfs/agent-bundle.ts), with the flags and environment of the image's agent-run
  const cli = [...(await deviceNodeFlags()), await deviceBundle('bench-web')];
  const set = start([
    ...cli,
    'config',
    'set',
    `web.port=${port}`,
    `directIp.port=${sipPort}`,
    `sip.rtpPortMin=${rtpMin}`,
    `sip.rtpPortMax=${rtpMax}`,
    '--data-dir',
    dir,
  ]);
  await new Promise((r) => set.child.on('exit', r));
  const agent = start(
    [
      ...cli,
      'run',
      '--hal',
      'sim',
      '--bind',
      '127.0.0.1',
      '--sip-address',
      '127.0.0.1',
      '--log-level',
      'info',
      '--data-dir',
      dir,
    ],
    await deviceNodeEnv(),
  );
  const code = await until('the setup code', () => /"setupCode":"([A-Z0-9-]+)"/.exec(agent.output())?.[1]);
  const base = `http://127.0.0.1:${port}`;
  const setup = await fetch(`${base}/api/v1/auth/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, password: 'bench password 1' }),
  });
  const cookie = setup.headers.getSetCookie()[0]!.split(';')[0]!;
  const { csrfToken } = ((await setup.json()) as { result: { csrfToken: string } }).result;
  const made = await fetch(`${base}/api/v1/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'bench', scope: 'read' }),
  });
  const { token } = ((await made.json()) as { result: { token: string } }).result;
  const auth = { authorization: `Bearer ${token}` };
  const body = await (await fetch(`${base}/api/v1/system/status`, { headers: auth })).text();

  // Reference: a bare node:http server answering the same bytes, also in its own process.
  const refPort = await freePort();
  start(
    [
      '-e',
      `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end(process.env.BODY); }).listen(${refPort}, '127.0.0.1')`,
    ],
    { BODY: body },
  );
  await until('the reference server', () =>
    fetch(`http://127.0.0.1:${refPort}/`).then(
      () => true,
      () => undefined,
    ),
  );

  console.log(
    `status API: GET /api/v1/system/status (${body.length} bytes), ${CONNECTIONS} connections, ${DURATION_S} s`,
  );
  const api = await load(`${base}/api/v1/system/status`, auth);
  console.log(line('  agent (node:http + find-my-way, token auth, live status)', api));
  const ref = await load(`http://127.0.0.1:${refPort}/`, {});
  console.log(line('  reference: bare node:http, same bytes', ref));
  console.log(
    `  ratio p50 ${ref.latency.p50 > 0 ? `${(api.latency.p50 / ref.latency.p50).toFixed(1)}x` : "n/a (reference below autocannon's 1 ms resolution)"}, throughput ${(api.requests.average / ref.requests.average).toFixed(2)}x`,
  );

  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `web UI compressed assets: ${kb(ui.total.gzip)} gzip, ${kb(ui.total.brotli)} brotli (${kb(ui.total.bytes)} raw, ${ui.files.length} files); budget ${kb(BUDGET_BYTES)}`,
  );
} finally {
  // SIGTERM first: the agent stops its parts (and its baresip); SIGKILL what is left after 5 s.
  await Promise.all(children.map((c) => stopChild(c)));
  await rm(dir, { recursive: true, force: true });
}
