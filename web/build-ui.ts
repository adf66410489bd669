/**
 * Builds the web UI into static assets (build/ui): esbuild bundles and minifies web/ui/main.ts and
 * styles.css into content-hashed files, index.html names them, and each file gets precompressed
 * .br and .gz copies. Fails when the compressed assets exceed the 150 KB budget.
 *
 *   node --import tsx web/build-ui.ts [--if-stale]
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'web', 'ui');
export const UI_OUT = join(ROOT, 'build', 'ui');
/** Budget of the compressed (gzip) assets. */
export const BUDGET_BYTES = 150 * 1024;

export type AssetSize = { file: string; bytes: number; gzip: number; brotli: number };
export type UiBuild = { built: boolean; files: AssetSize[]; total: { bytes: number; gzip: number; brotli: number } };

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else out.push(p);
  }
  return out;
}

/** Sources the bundle depends on: the UI folder, this script, and the server file it imports (event names). */
async function sources(): Promise<string[]> {
  return [...(await files(SRC)), fileURLToPath(import.meta.url), join(ROOT, 'web', 'events', 'feed.ts')];
}

async function isStale(outDir: string): Promise<boolean> {
  const built = await stat(join(outDir, 'manifest.json')).catch(() => undefined);
  if (!built) return true;
  for (const f of await sources()) if ((await stat(f)).mtimeMs > built.mtimeMs) return true;
  return false;
}

export async function buildUi(opts: { outDir?: string; ifStale?: boolean } = {}): Promise<UiBuild> {
  const outDir = opts.outDir ?? UI_OUT;
  if (opts.ifStale && !(await isStale(outDir))) {
    const m = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as Omit<UiBuild, 'built'>;
    return { built: false, ...m };
  }
  await rm(outDir, { recursive: true, force: true });
  const assets = join(outDir, 'assets');
  await mkdir(assets, { recursive: true });
  const result = await build({
    entryPoints: { app: join(SRC, 'main.ts'), style: join(SRC, 'styles.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome109', 'firefox115', 'safari15'],
    outdir: assets,
    entryNames: '[name]-[hash]',
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => join(ROOT, p));
  const js = outputs.find((p) => p.endsWith('.js'));
  const css = outputs.find((p) => p.endsWith('.css'));
  if (!js || !css) throw new Error('esbuild produced no app bundle');
  const html = (await readFile(join(SRC, 'index.html'), 'utf8'))
    .replace('{{js}}', basename(js))
    .replace('{{css}}', basename(css));
  await writeFile(join(outDir, 'index.html'), html);

  const sizes: AssetSize[] = [];
  for (const file of [join(outDir, 'index.html'), js, css]) {
    const data = await readFile(file);
    const gz = gzipSync(data, { level: 9 });
    const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
    await writeFile(`${file}.gz`, gz);
    await writeFile(`${file}.br`, br);
    sizes.push({ file: relative(outDir, file), bytes: data.length, gzip: gz.length, brotli: br.length });
  }
  const total = sizes.reduce(
    (t, s) => ({ bytes: t.bytes + s.bytes, gzip: t.gzip + s.gzip, brotli: t.brotli + s.brotli }),
    {
      bytes: 0,
      gzip: 0,
      brotli: 0,
    },
  );
  if (total.gzip > BUDGET_BYTES)
    throw new Error(`the UI's compressed assets are ${total.gzip} bytes, over the budget of ${BUDGET_BYTES}`);
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify({ files: sizes, total }, null, 2)}\n`);
  return { built: true, files: sizes, total };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await buildUi({ ifStale: process.argv.includes('--if-stale') });
  if (r.built) {
    for (const f of r.files)
      console.log(
        `  ${f.file.padEnd(34)} ${kb(f.bytes).padStart(9)}  gzip ${kb(f.gzip).padStart(8)}  br ${kb(f.brotli).padStart(8)}`,
      );
    console.log(
      `ui: built into ${relative(process.cwd(), dirname(join(UI_OUT, 'x')))}: ${kb(r.total.gzip)} gzip, ${kb(r.total.brotli)} brotli (budget ${kb(BUDGET_BYTES)})`,
    );
  } else console.log('ui: up to date');
}
