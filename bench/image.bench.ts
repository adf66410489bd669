/**
 * `make image` build times (rootfs/build.sh) in a fresh build dir: cold (every step from the
 * downloaded packages: kernel unpack, gpio-sim sources + build, userland, agent), warm (nothing
 * changed), and warm after an agent change (bundle + cpio + initrd). Downloads are shared with
 * rootfs/build/downloads (fetched first if missing, not timed). References in the same run: unpacking
 * the kernel package alone (the floor of a cold build) and starting bash (the floor of any run).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from './lib/stats.ts';

const root = process.cwd();
const downloads = join(root, 'rootfs/build/downloads');
const build = (dir: string, ...more: string[]) =>
  execFileSync('bash', ['rootfs/build.sh', '--build-dir', dir, '--downloads', downloads, ...more], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
const time = (fn: () => unknown) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};

await mkdir(downloads, { recursive: true });
const dir = await mkdtemp(join(tmpdir(), 'portier-image-bench-'));
try {
  build(join(dir, 'b'), '--fetch-only'); // makes sure the packages are downloaded; not timed
  const cold = time(() => build(join(dir, 'b')));
  const warm = time(() => build(join(dir, 'b')));
  // as if the agent had changed: its cpio and the initrd are made again (the bundle always is)
  await rm(join(dir, 'b', 'stamps', 'agent'));
  await rm(join(dir, 'b', 'stamps', 'image'));
  const agentChanged = time(() => build(join(dir, 'b')));
  const kernelDeb = (await readdir(downloads)).find((f) => f.startsWith('linux-image-'));
  const unpack = time(() =>
    execFileSync('dpkg-deb', ['-x', join(downloads, kernelDeb as string), join(dir, 'unpack')]),
  );
  const bash = time(() => execFileSync('bash', ['-c', 'true']));
  report('make image, cold (packages downloaded)', cold, { name: 'dpkg-deb -x of the kernel package', value: unpack });
  report('make image, warm (nothing changed)', warm, { name: 'bash -c true', value: bash });
  report('make image, warm after an agent change', agentChanged, { name: 'bash -c true', value: bash });
} finally {
  await rm(dir, { recursive: true, force: true });
}
