/**
 * The agent as the device runs it: one esbuild bundle of agent/cli.ts. The image
 * (rootfs/steps/agent.sh) and every benchmark or test that measures "the device build" make it
 * with this one function, so what is measured is what ships.
 *
 *   node --import tsx rootfs/agent-bundle.ts OUTFILE [--metafile FILE]
 *
 * koffi (a native addon) stays a package in the userland.
 * The bundle finds the web UI at ../../build/ui from its own folder (agent/parts/web.ts).
 *
 * Split at the dynamic `import()`s: OUTFILE is the entry, and what the agent loads only when a
 * part needs it (the cloud link, provisioning, the indoor monitor, the dev run ...) are files next
 * to it, `<name>.<chunk>-<hash>.mjs` (same folder, so `import.meta.url` finds the UI from any of
 * them). Whitespace and syntax are minified, comments dropped: the source is then plain ASCII,
 * which V8 keeps as one byte per character (a single non-ASCII comment doubles it). Identifiers
 * are kept, so stack traces stay readable. docs/footprint.md says what each choice saves.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import { deviceTrims } from './agent-bundle-trims.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/**
 * Node built-ins that libraries require when they load but use only in some configurations:
 * mqtt's SOCKS proxy support requires node:dns (a proxy the agent never sets). A built-in costs RSS
 * once loaded. In the bundle, a require() of them from a package gets a stand-in that loads the real
 * module on first use of any of its properties: same behaviour, paid for only when used.
 */
const LAZY_BUILTINS = ['dns'];

const lazyBuiltins: Plugin = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) => {
      if (args.kind !== 'require-call' || !args.importer.includes('node_modules')) return undefined;
      return { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      loader: 'js',
      contents: `let m; const real = () => (m ??= require('node:${args.path}'));
module.exports = new Proxy({}, {
  get: (_, k) => real()[k],
  has: (_, k) => k in real(),
  ownKeys: () => Reflect.ownKeys(real()),
  getOwnPropertyDescriptor: (_, k) => { const d = Object.getOwnPropertyDescriptor(real(), k); return d && { ...d, configurable: true }; },
});`,
    }));
  },
};

export interface AgentBundle {
  /** The entry (what `node` runs). */
  outfile: string;
  /** Every file of the build: the entry first, then the chunks next to it. */
  files: string[];
  /** Bytes of every file together. */
  bytes: number;
  metafile: Metafile;
}

export async function bundleAgent(outfile: string): Promise<AgentBundle> {
  const outdir = dirname(outfile);
  const name = basename(outfile).replace(/\.m?js$/, '');
  // Chunks of an earlier build of the same entry would stay next to it: remove them.
  const stale = await readdir(outdir).catch(() => [] as string[]);
  for (const f of stale) if (f.startsWith(`${name}.`) && f.endsWith('.mjs')) await rm(join(outdir, f), { force: true });
  const result = await build({
    entryPoints: { [name]: `${REPO}agent/cli.ts` },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: `${name}.[name]-[hash]`,
    external: ['koffi'],
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    charset: 'ascii',
    logLevel: 'warning',
    metafile: true,
    // what the device never uses (rootfs/agent-bundle-trims.ts), and built-ins loaded on first use
    plugins: [...deviceTrims, lazyBuiltins],
    // mqtt, nodemailer and a few others are CommonJS: give each ES module file a require()
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.mjs'));
  const isEntry = (f: string) => basename(f) === basename(outfile);
  if (!outputs.some(([f]) => isEntry(f))) throw new Error(`esbuild did not write the entry ${outfile}`);
  return {
    outfile,
    files: [outfile, ...outputs.filter(([f]) => !isEntry(f)).map(([f]) => join(process.cwd(), f))],
    bytes: outputs.reduce((n, [, o]) => n + o.bytes, 0),
    metafile: result.metafile,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [outfile, flag, metaPath] = process.argv.slice(2);
  if (!outfile || (flag !== undefined && (flag !== '--metafile' || !metaPath))) {
    console.error('usage: agent-bundle.ts OUTFILE [--metafile FILE]');
    process.exit(2);
  }
  const b = await bundleAgent(outfile);
  if (metaPath) await writeFile(metaPath, JSON.stringify(b.metafile));
}
