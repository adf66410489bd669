/**
 * Config benchmarks: parse + validate + apply of a 5,000-line autop file, and the cold load of the
 * config in a fresh process. References in the same run: splitting the same text into key/value
 * pairs (the floor of any parser), and reading + JSON.parse of the same file in a fresh process.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ConfigStore, defaultConfig, readAutop, writeAutop } from '../agent/config/index.ts';
import { RealClock, silentLogger } from '../core/index.ts';
import { median, report, timeIt } from './lib/stats.ts';

const dir = await mkdtemp(join(tmpdir(), 'portier-bench-'));
try {
  // A 5,000-line file: the whole config written 15 times with different values (last one wins).
  const parts: string[] = [];
  for (let i = 0; parts.join('\n').split('\n').length < 5000; i++) {
    const c = defaultConfig();
    c.intercom.maxCallTime = 1 + (i % 100);
    c.identity.location = `Building ${i}`;
    c.intercom.pushButton.numbers = ['101', '102', `sip:${i}@pbx.example.com`];
    parts.push(writeAutop(c));
  }
  const text = parts.join('\n').split('\n').slice(0, 5000).join('\n');
  const lines = text.split('\n').length;

  const store = new ConfigStore({ dataDir: dir, clock: new RealClock(), log: silentLogger() });
  await store.load();
  const applyRuns: number[] = [];
  const floorRuns: number[] = [];
  for (let i = 0; i < 15; i++) {
    await store.replace(defaultConfig(), 'bench'); // so that every run changes something
    applyRuns.push(
      await timeIt(async () => {
        const r = readAutop(text, store.get());
        if (!r.config) throw new Error('bench file is invalid');
        await store.replace(r.config, 'bench');
      }),
    );
    floorRuns.push(await timeIt(() => text.split('\n').map((l) => l.split('='))));
  }
  report(`autop parse+validate+apply, ${lines} lines`, median(applyRuns), {
    name: 'split into key/value pairs',
    value: median(floorRuns),
  });

  // Cold load in a fresh process.
  await mkdir('build/bench', { recursive: true });
  const loader = join(process.cwd(), 'build/bench/load-config.mjs');
  await writeFile(
    join(dir, 'load.ts'),
    `import { ConfigStore } from ${JSON.stringify(join(process.cwd(), 'agent/config/index.ts'))};
     import { RealClock, silentLogger } from ${JSON.stringify(join(process.cwd(), 'core/index.ts'))};
     const t = performance.now();
     const s = new ConfigStore({ dataDir: process.argv[2], clock: new RealClock(), log: silentLogger() });
     await s.load();
     s.get();
     console.log(JSON.stringify({ load: performance.now() - t, sinceStart: performance.now() }));`,
  );
  await build({
    entryPoints: [join(dir, 'load.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: loader,
    logLevel: 'error',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  const floor = join(dir, 'floor.mjs');
  await writeFile(
    floor,
    `import { readFileSync } from 'node:fs'; const t = performance.now();
     JSON.parse(readFileSync(process.argv[2] + '/config.json', 'utf8'));
     console.log(JSON.stringify({ load: performance.now() - t, sinceStart: performance.now() }));`,
  );
  const run = (script: string) => JSON.parse(execFileSync(process.execPath, [script, dir], { encoding: 'utf8' }));
  const cold: { load: number; sinceStart: number }[] = [];
  const bare: { load: number; sinceStart: number }[] = [];
  for (let i = 0; i < 10; i++) {
    cold.push(run(loader));
    bare.push(run(floor));
  }
  report('cold load of the config (fresh process)', median(cold.map((c) => c.load)), {
    name: 'read + JSON.parse',
    value: median(bare.map((c) => c.load)),
  });
  report('process start to config loaded', median(cold.map((c) => c.sinceStart)), {
    name: 'process start to JSON parsed',
    value: median(bare.map((c) => c.sinceStart)),
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
