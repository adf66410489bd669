/**
 * The device's node keeps its memory after logins (docs/footprint.md, "glibc's malloc"): each login
 * hashes the password with scrypt, a 16 MB block; with glibc's malloc as it comes, from the second
 * block on it stays resident once freed (the mmap threshold grew to its size). The image starts node
 * with a fixed threshold (MALLOC_TUNABLES in agent-run). Checked on the device build (bundleAgent),
 * started with agent-run's flags and environment: the first-run setup, then 3 logins; the agent's
 * RSS (memory, not time) may not grow by more than one such block.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigStore } from '../../agent/config/index.ts';
import { RealClock, silentLogger } from '../../core/index.ts';
import { type AgentBundle, bundleAgent } from '../../rootfs/agent-bundle.ts';
import { agentNodeEnv, agentNodeFlags } from '../../rootfs/agent-run.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from '../harness/ports.ts';
import { startProcess, stopAll } from '../harness/processes.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(REPO, 'build/test-device-malloc');
const PASSWORD = 'test-Password-1234';
const SCRYPT_BLOCK_MB = 16;
let dir: string | undefined;
let bundle: AgentBundle | undefined;

after(async () => {
  await stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
  await rm(OUT, { recursive: true, force: true });
});

function post(port: number, path: string, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const rssMb = async (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** RSS after the setup and after 3 logins, of the device build started with `env`. */
async function loginsGrowth(env: Record<string, string>): Promise<{ before: number; after: number }> {
  dir ??= await mkdtemp(join(tmpdir(), 'portier-device-malloc-'));
  const dataDir = await mkdtemp(join(dir, 'data-'));
  const store = new ConfigStore({ dataDir, clock: new RealClock(), log: silentLogger() });
  await store.load();
  const port = await freeTcpPort();
  const [rtpPortMin, rtpPortMax] = await freeRtpRange(20);
  await store.apply(
    { web: { port }, directIp: { port: await freeSipPort(2) }, sip: { rtpPortMin, rtpPortMax } },
    'test',
  );
  bundle ??= await bundleAgent(join(OUT, 'portier.mjs'));
  const agent = startProcess(
    'agent',
    process.execPath,
    [...(await agentNodeFlags()), bundle.outfile, 'run', '--hal', 'sim', '--data-dir', dataDir, '--bind', '127.0.0.1'],
    { env: { ...process.env, ...env } },
  );
  try {
    const code = (await agent.waitForOutput(/"setupCode":"([^"]+)"/, 15_000))[1];
    assert.equal(await post(port, '/api/v1/auth/setup', { code, password: PASSWORD }), 200);
    const before = await rssMb(agent.pid);
    for (let i = 0; i < 3; i++) assert.equal(await post(port, '/api/v1/auth/login', { password: PASSWORD }), 200);
    return { before, after: await rssMb(agent.pid) };
  } finally {
    await agent.stop(5000);
  }
}

it("3 logins leave the device build's memory where it was (glibc's mmap threshold fixed in agent-run)", async (t) => {
  const env = await agentNodeEnv();
  assert.match(env.GLIBC_TUNABLES ?? '', /glibc\.malloc\.mmap_threshold=\d+/, 'agent-run gives node the tunable');
  const device = await loginsGrowth(env);
  const plain = await loginsGrowth({});
  t.diagnostic(
    `RSS after setup → after 3 logins: device ${device.before.toFixed(1)} → ${device.after.toFixed(1)} MB; ` +
      `glibc as it comes ${plain.before.toFixed(1)} → ${plain.after.toFixed(1)} MB`,
  );
  assert.ok(
    device.after - device.before < SCRYPT_BLOCK_MB / 2,
    `the logins kept ${(device.after - device.before).toFixed(1)} MB resident`,
  );
});
