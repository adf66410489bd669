/**
 * What the device build leaves out (rootfs/agent-bundle-trims.ts) is not missed: the bundle made by
 * bundleAgent has none of zod's locales but English, and runs the config commands and the schema
 * exactly as the sources do; zod's own English messages still come out of a bundle with the trims
 * (core/zod.ts installs them for zod/mini), and zod's classic API is not in it (docs/footprint.md).
 * The SMTP client (nodemailer) is in a part loaded at its first use, not with the agent. The
 * bundled agent serves the web UI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { ConfigStore } from '../../agent/config/index.ts';
import { RealClock, silentLogger } from '../../core/index.ts';
import { type AgentBundle, bundleAgent } from '../../rootfs/agent-bundle.ts';
import { deviceTrims } from '../../rootfs/agent-bundle-trims.ts';
import { until } from '../harness/agent.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from '../harness/ports.ts';
import { startProcess, stopAll } from '../harness/processes.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
let dir: string;
let bundle: AgentBundle;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-bundle-'));
  // in build/<dir>/ as on the device: the bundle finds the web UI at ../../build/ui
  bundle = await bundleAgent(join(REPO, 'build/test-bundle-content/portier.mjs'));
});
after(async () => {
  await stopAll();
  await rm(dir, { recursive: true, force: true });
  await rm(join(REPO, 'build/test-bundle-content'), { recursive: true, force: true });
});

/** A command of the CLI, from the bundle or from the sources: exit code, stdout, stderr. */
async function cli(from: 'bundle' | 'sources', args: string[]) {
  const argv = from === 'bundle' ? [bundle.outfile, ...args] : ['--import', 'tsx', join(REPO, 'agent/cli.ts'), ...args];
  try {
    const r = await run(process.execPath, argv, { cwd: REPO });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

it("the bundle holds zod's English messages and none of its other languages", () => {
  const inputs = Object.values(bundle.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
  const locales = inputs.filter((p) => /zod\/v4\/locales\//.test(p));
  assert.deepEqual([...new Set(locales.map((p) => p.replace(/.*zod\/v4\/locales\//, '')))], ['en.js']);
});

it("the bundle holds zod's functional API only, not its classic one (about 3 MB of RSS more)", () => {
  const inputs = Object.values(bundle.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
  assert.deepEqual(
    inputs.filter((p) => /zod\/v4\/classic\//.test(p)),
    [],
  );
  assert.ok(inputs.some((p) => /zod\/v4\/mini\//.test(p)));
});

it('the bundle sets, refuses and reads settings, and prints the schema, as the sources do', async () => {
  for (const args of [
    ['config', 'set', 'intercom.maxCallTime=7', 'identity.location=Hall'],
    ['config', 'set', 'intercom.maxCallTime=999'],
    ['config', 'set', 'relays.1.type=bogus', 'web.port=-1', `identity.location=${'x'.repeat(80)}`],
    ['config', 'get', 'intercom.maxCallTime'],
    ['schema'],
  ]) {
    const fromBundle = await cli('bundle', [...args, '--data-dir', join(dir, 'data-bundle')]);
    const fromSources = await cli('sources', [...args, '--data-dir', join(dir, 'data-sources')]);
    assert.deepEqual(fromBundle, fromSources, `portier ${args.join(' ')}`);
  }
});

it("zod's own messages stay in English with the trims, and z.locales keeps English only", async () => {
  const entry = join(dir, 'zod-entry.mjs');
  await writeFile(
    entry,
    `import * as z from ${JSON.stringify(join(REPO, 'core/zod.ts'))};
     const r = z.object({ name: z.string().check(z.maxLength(2)) }).safeParse({ name: 'abc' });
     console.log(JSON.stringify({ message: r.error.issues[0].message, locales: Object.keys(z.locales) }));`,
  );
  const out = join(dir, 'zod-out.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    plugins: deviceTrims,
    nodePaths: [join(REPO, 'node_modules')],
    logLevel: 'error',
  });
  const { stdout } = await run(process.execPath, [out]);
  assert.deepEqual(JSON.parse(stdout), { message: 'Too big: expected string to have <=2 characters', locales: ['en'] });
});

it('the SMTP client is not loaded with the agent, only at the first email', () => {
  const meta = bundle.metafile;
  const entry = Object.entries(meta.outputs).find(([, o]) => o.entryPoint?.endsWith('agent/cli.ts'))![0];
  const loaded = new Set<string>();
  const visit = (f: string) => {
    if (loaded.has(f)) return;
    loaded.add(f);
    for (const i of meta.outputs[f]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  const atStart = [...loaded].flatMap((f) => Object.keys(meta.outputs[f]!.inputs));
  assert.ok(atStart.length > 0);
  assert.deepEqual(
    atStart.filter((i) => i.includes('node_modules/nodemailer/')),
    [],
  );
  const anywhere = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
  assert.ok(
    anywhere.some((i) => i.includes('node_modules/nodemailer/')),
    'nodemailer is still in the bundle',
  );
});

it('the bundled agent serves the web UI, its page and its assets', async () => {
  const dataDir = join(dir, 'agent');
  const store = new ConfigStore({ dataDir, clock: new RealClock(), log: silentLogger() });
  await store.load();
  const port = await freeTcpPort();
  const [rtpPortMin, rtpPortMax] = await freeRtpRange(20);
  await store.apply(
    { web: { port }, directIp: { port: await freeSipPort(2) }, sip: { rtpPortMin, rtpPortMax } },
    'test',
  );
  const agent = startProcess('bundled-agent', process.execPath, [
    bundle.outfile,
    'run',
    '--hal',
    'sim',
    '--data-dir',
    dataDir,
    '--bind',
    '127.0.0.1',
    '--sip-address',
    '127.0.0.1',
  ]);
  const base = `http://127.0.0.1:${port}`;
  const page = await until(
    async () => {
      if (!agent.running()) throw new Error(`the bundled agent exited:\n${agent.output().slice(-2000)}`);
      const r = await fetch(`${base}/`).catch(() => undefined);
      return r?.status === 200 ? r.text() : undefined;
    },
    'the web UI of the bundled agent',
    400,
  );
  assert.match(page, /<html/i);
  const asset = /(?:src|href)="\/?(assets\/[^"]+)"/.exec(page)?.[1];
  assert.ok(asset, 'the page names its assets');
  const r = await fetch(`${base}/${asset}`);
  assert.equal(r.status, 200, `GET /${asset}`);
  assert.ok((await r.arrayBuffer()).byteLength > 0);
  await agent.stop(5000);
});
