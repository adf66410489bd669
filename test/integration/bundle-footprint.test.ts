/**
 * The device build loads only what the config uses (docs/footprint.md): with the default config,
 * the files of the bundle that hold the cloud link, Home Assistant and the MQTT client are never
 * read, nor node:http2 loaded; with the cloud link on, its
 * file is loaded and the link connects. Checked on the bundle made by bundleAgent, run as the
 * device runs it (`portier.mjs run --hal sim`), with a preload that records every module loaded.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigStore } from '../../agent/config/index.ts';
import { RealClock, silentLogger } from '../../core/index.ts';
import { type AgentBundle, bundleAgent } from '../../rootfs/agent-bundle.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from '../harness/ports.ts';
import { startProcess, stopAll } from '../harness/processes.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let bundle: AgentBundle;

// Records the URL of every ES module loaded (hooks run off-thread) and, on SIGUSR2, node's built-ins
// (process.moduleLoadList).
const PRELOAD = `
import { register } from 'node:module';
import { appendFileSync, writeFileSync } from 'node:fs';
const out = process.env.LOADED_FILE;
register('data:text/javascript,' + encodeURIComponent(
  "import { appendFileSync } from 'node:fs';" +
  "export async function load(url, context, next) { appendFileSync(" + JSON.stringify(out) + ", url + '\\\\n'); return next(url, context); }"
));
process.on('SIGUSR2', () => writeFileSync(out + '.builtins', process.moduleLoadList.join('\\n')));
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-bundle-footprint-'));
  await writeFile(join(dir, 'preload.mjs'), PRELOAD);
  bundle = await bundleAgent(join(REPO, 'build/test-bundle-footprint/portier.mjs'));
});
after(async () => {
  await stopAll();
  await rm(dir, { recursive: true, force: true });
  await rm(join(REPO, 'build/test-bundle-footprint'), { recursive: true, force: true });
});

/** The files of the bundle holding an input (a source file or package path). */
function filesWith(input: string): string[] {
  return Object.entries(bundle.metafile.outputs)
    .filter(([, o]) => Object.keys(o.inputs).some((i) => i.includes(input)))
    .map(([f]) => basename(f));
}

async function runAgent(name: string, config: Record<string, unknown>, ready: RegExp) {
  const dataDir = join(dir, name);
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
  const loadedFile = join(dir, `${name}.loaded`);
  const proc = startProcess(
    'agent',
    process.execPath,
    ['--import', join(dir, 'preload.mjs'), bundle.outfile, 'run', '--hal', 'sim', '--data-dir', dataDir],
    { env: { ...process.env, LOADED_FILE: loadedFile } },
  );
  try {
    await proc.waitForOutput(ready, 15_000);
    proc.child.kill('SIGUSR2');
    const builtins = await waitForFile(`${loadedFile}.builtins`);
    const loaded = (await readFile(loadedFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((u) => basename(u));
    return { loaded, builtins: builtins.split('\n') };
  } finally {
    await proc.stop();
  }
}

async function waitForFile(file: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text) return text;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${file} was not written`);
}

it('default config: the cloud link, Home Assistant, MQTT and node:http2 are not loaded', async () => {
  const { loaded, builtins } = await runAgent('default', {}, /"msg":"agent running"/);
  assert.ok(loaded.includes('portier.mjs'), 'the recorder sees the bundle');
  for (const input of ['agent/cloud/cloud.ts', 'agent/integrations/home-assistant/', 'node_modules/mqtt/']) {
    const files = filesWith(input);
    assert.ok(files.length > 0, `${input} is in the bundle`);
    assert.deepEqual(
      files.filter((f) => loaded.includes(f)),
      [],
      `${input} is in files the agent did not load`,
    );
  }
  assert.ok(builtins.includes('NativeModule http'));
  assert.ok(!builtins.includes('NativeModule http2'), 'node:http2 is loaded only when used');
});

it('cloud link on: its code is loaded at start and the link tries to connect', async () => {
  const port = await freeTcpPort(); // nothing listens there: the link only has to try
  const { loaded } = await runAgent(
    'cloud',
    {
      identity: { mac: '0C:11:05:00:00:09' },
      cloud: { enabled: true, brokerUrl: `mqtt://127.0.0.1:${port}`, connectType: 'tcp', username: 'u', password: 'p' },
    },
    /"msg":"cloud link: connecting"/,
  );
  assert.ok(
    filesWith('agent/cloud/cloud.ts').every((f) => loaded.includes(f)),
    'the cloud code is loaded when the config uses it',
  );
});
