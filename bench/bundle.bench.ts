/**
 * The device build's size and what is in it: the bundle made by bundleAgent (rootfs/agent-bundle.ts,
 * as the image makes it) in build/bench-bundle/, its total size and its 15 largest contributors by
 * npm package or project folder, from esbuild's metafile (bytesInOutput of every input).
 *
 * References, in the same run: how much of the bundle is the project's own code and how much comes
 * from node_modules (what a dependency costs, and what trimming dependencies can win), and the size
 * of the node binary the device runs it with (the fixed cost of the runtime in flash, next to which
 * the agent's own share is judged). Then the parts of the bundle the device does not need (code for
 * development, tests, browsers, proxies or operators), each with its size in this build; what
 * rootfs/agent-bundle-trims.ts already leaves out is listed with its size before the trim.
 *
 *   node --import tsx bench/bundle.bench.ts
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { bundleAgent } from '../rootfs/agent-bundle.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TOP = 15;

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MB`;
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

/** npm package (`zod`, `find-my-way`) or project folder (`agent/config`, `sip/baresip`) of an input. */
function groupOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (m) return m[1]!;
  const path = input.replace(/^[^:]*:/, ''); // esbuild namespaces (plugins' virtual modules)
  const parts = path.split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Outputs loaded as soon as the entry is (its static imports, transitively). */
function loadedWithEntry(meta: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of meta.outputs[f]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return seen;
}

const out = join(REPO, 'build/bench-bundle/portier.mjs');
const bundle = await bundleAgent(out);
const meta = bundle.metafile;
const outputs = Object.entries(meta.outputs).filter(([f]) => f.endsWith('.mjs') || f.endsWith('.js'));
// the entry is the file node runs (with splitting, every import() chunk has an entryPoint too)
const entry = outputs.find(([, o]) => o.entryPoint?.endsWith('agent/cli.ts'))?.[0];
if (!entry) throw new Error('the metafile names no output for agent/cli.ts');
const atStart = loadedWithEntry(meta, entry);

const groups = new Map<string, { bytes: number; atStart: number; npm: boolean }>();
const inputBytes = new Map<string, number>();
let total = 0;
for (const [file, o] of outputs) {
  total += o.bytes;
  for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) {
    const name = groupOf(input);
    const g = groups.get(name) ?? { bytes: 0, atStart: 0, npm: input.includes('node_modules/') };
    g.bytes += bytesInOutput;
    if (atStart.has(file)) g.atStart += bytesInOutput;
    groups.set(name, g);
    inputBytes.set(input, (inputBytes.get(input) ?? 0) + bytesInOutput);
  }
}
const ownBytes = [...groups.values()].filter((g) => !g.npm).reduce((n, g) => n + g.bytes, 0);
const npmBytes = [...groups.values()].filter((g) => g.npm).reduce((n, g) => n + g.bytes, 0);
const startBytes = outputs.filter(([f]) => atStart.has(f)).reduce((n, [, o]) => n + o.bytes, 0);
const nodeBinary = (await stat(process.execPath)).size;

const line = (name: string, value: string, ref: string) =>
  console.log(`${name.padEnd(52)} ${value.padStart(10)}   ${ref}`);
line(
  'device bundle (bundleAgent), all files',
  mb(total),
  `${outputs.length} file(s); reference: node binary ${mb(nodeBinary)} (bundle = ${pct(total, nodeBinary)} of it)`,
);
line('  loaded with the entry (static imports)', mb(startBytes), `the rest is loaded when first used (dynamic import)`);
line("  the project's own code", mb(ownBytes), `${pct(ownBytes, total)} of the bundle`);
line('  from node_modules', mb(npmBytes), `${pct(npmBytes, total)} of the bundle`);
console.log(`\nlargest ${TOP} contributors (npm package or project folder), bytes in the bundle:`);
const sorted = [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
for (const [name, g] of sorted.slice(0, TOP)) {
  const where = g.atStart === g.bytes ? 'at start' : g.atStart === 0 ? 'lazy' : `${kb(g.atStart)} at start`;
  console.log(
    `  ${(g.npm ? `npm ${name}` : name).padEnd(34)} ${kb(g.bytes).padStart(10)}  ${pct(g.bytes, total).padStart(6)}  ${where}`,
  );
}

/** What the device does not need: [what, why, inputs matching]. */
const unneeded: [string, string, RegExp][] = [
  [
    'npm socks, ip-address, smart-buffer',
    "mqtt's SOCKS proxy (socksProxy / MQTTJS_SOCKS_PROXY), unused",
    /node_modules\/(socks|ip-address|smart-buffer|jsbn|sprintf-js)\//,
  ],
  [
    'npm worker-timers*, broker-factory, @babel/runtime',
    "mqtt's timers for browsers (web workers)",
    /node_modules\/(worker-timers[^/]*|broker-factory|fast-unique-numbers|@babel\/runtime)\//,
  ],
  [
    'mqtt connect/ali, connect/wx',
    "mqtt's transports for Alipay / WeChat mini programs",
    /node_modules\/mqtt\/build\/lib\/connect\/(ali|wx)\.js/,
  ],
  [
    'zod fromJSONSchema',
    'builds zod schemas from JSON Schema; the agent only writes JSON Schema',
    /node_modules\/zod\/v4\/classic\/from-json-schema\.js/,
  ],
  ['fleet/ (portier fleet ...)', 'the operator side of the cloud protocol, not the device', /^fleet\//],
  [
    'nodemailer well-known services',
    'SMTP presets (gmail, ...) by name; the device is given a server',
    /node_modules\/nodemailer\/.*well-known/,
  ],
];
const bytesOf = (re: RegExp) => [...inputBytes.entries()].filter(([i]) => re.test(i)).reduce((n, [, b]) => n + b, 0);
const row = (what: string, bytes: number, why: string) =>
  console.log(`  ${what.padEnd(52)} ${kb(bytes).padStart(10)}   ${why}`);
console.log('\nin the bundle but not needed on the device (candidates, size in this build):');
for (const [what, why, re] of unneeded) row(what, bytesOf(re), why);
console.log(
  '\nleft out by rootfs/agent-bundle-trims.ts (what is left of it; the size it had, minified, on 2026-11-30):',
);
row("zod's locales but English", bytesOf(/zod\/v4\/locales\//), 'was 290 KB; English (locales/en.js) stays');
const lazy = (re: RegExp) =>
  outputs
    .filter(([f]) => !atStart.has(f))
    .reduce(
      (n, [, o]) =>
        n +
        Object.entries(o.inputs)
          .filter(([i]) => re.test(i))
          .reduce((m, [, x]) => m + x.bytesInOutput, 0),
      0,
    );
console.log('\nloaded at first use, not at start (agent/features/support/outbound.ts):');
row(
  'npm nodemailer (email actions)',
  lazy(/node_modules\/nodemailer\//),
  `of ${kb(bytesOf(/node_modules\/nodemailer\//))} in the bundle`,
);
