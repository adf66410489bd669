/**
 * The agent as the device runs it: one esbuild bundle of agent/cli.ts. The image
 * (rootfs/steps/agent.sh) and every benchmark or test that measures "the device build" make it
 * with this one function, so what is measured is what ships.
 *
 *   node --import tsx rootfs/agent-bundle.ts OUTFILE [--metafile FILE]
 *
 * koffi (a native addon) stays a package in the userland; pino-pretty is for development only.
 * The bundle finds the web UI at ../../build/ui from its own folder (agent/parts/web.ts).
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const REPO = fileURLToPath(new URL('..', import.meta.url));

export interface AgentBundle {
  outfile: string;
  bytes: number;
  metafile: Metafile;
}

export async function bundleAgent(outfile: string): Promise<AgentBundle> {
  const result = await build({
    entryPoints: [`${REPO}agent/cli.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external: ['koffi', 'pino-pretty'],
    logLevel: 'warning',
    metafile: true,
    // pino and a few others are CommonJS: give the ES module bundle a require()
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const out = Object.values(result.metafile.outputs)[0];
  return { outfile, bytes: out?.bytes ?? 0, metafile: result.metafile };
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
