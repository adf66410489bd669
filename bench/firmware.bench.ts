/**
 * Firmware install in the emulated door phone (QEMU, TCG, A/B disks of `make bundle`): the time of
 * `rauc install` of a bundle (signature check, loop mount of the squashfs, writing the slot image,
 * boot state), next to the time `dd` takes to write the same slot image (the ext4 image inside the
 * bundle, uncompressed) onto the same slot device in the same VM. Both files are on the VM's data
 * disk first (served by this process over HTTP); times are the VM's own (/proc/uptime). TCG is
 * 12-20x slower than the host for CPU-bound work: read the ratio, not the seconds.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DoorPhoneVm, IMAGE_DIR } from '../test/qemu/vm.ts';

const REPO = resolve(import.meta.dirname, '..');
const AB = join(IMAGE_DIR, 'ab');

const dir = await mkdtemp(join(tmpdir(), 'portier-fw-bench-'));
execFileSync('bash', [join(REPO, 'rootfs/bundle.sh'), '--version', '0.9.0-bench', '--out', join(dir, 'b.raucb')], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
execFileSync('cp', [join(AB, 'rootfs.ext4'), join(dir, 'rootfs.ext4')]);
for (const d of ['slot-a', 'slot-b', 'data'])
  execFileSync('cp', ['--sparse=always', join(AB, `${d}.img`), join(dir, `${d}.img`)]);
const server = createServer((req, res) => {
  const name = (req.url ?? '').replace(/^\/+/, '');
  if (!['b.raucb', 'rootfs.ext4'].includes(name)) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-length': statSync(join(dir, name)).size });
  createReadStream(join(dir, name)).pipe(res);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const vm = await DoorPhoneVm.boot({
  initrd: join(AB, 'boot.cpio'),
  drives: ['slot-a', 'slot-b', 'data'].map((d) => join(dir, `${d}.img`)),
  reboot: true,
  // no agent: nothing else competes for the VM's one CPU
  append: 'portier.agent=off portier.watchdog=3600',
  hostServices: { 8000: (server.address() as AddressInfo).port },
});
try {
  await vm.sh('for i in $(seq 600); do rauc status >/dev/null 2>&1 && exit 0; usleep 100000; done; exit 1', 90_000);
  await vm.sh(
    'wget -q -O /data/b.raucb http://10.0.2.100:8000/b.raucb && wget -q -O /data/rootfs.ext4 http://10.0.2.100:8000/rootfs.ext4 && sync',
    300_000,
  );
  const timed = async (cmd: string) => {
    const out = await vm.sh(
      `read a _ < /proc/uptime; ${cmd} >/tmp/out 2>&1 || { cat /tmp/out; exit 1; }; read b _ < /proc/uptime; echo "$a $b"`,
      600_000,
    );
    const [a, b] = out.trim().split('\n').at(-1)!.split(' ').map(Number);
    return (b as number) - (a as number);
  };
  const bytes = statSync(join(dir, 'rootfs.ext4')).size;
  const install = await timed('rauc install /data/b.raucb');
  const dd = await timed('dd if=/data/rootfs.ext4 of=/dev/vdb bs=1M conv=fsync');
  const mb = bytes / 1024 / 1024;
  console.log(
    `firmware install in the VM (rauc install, ${(statSync(join(dir, 'b.raucb')).size / 1024 / 1024).toFixed(0)} MB bundle, ${mb.toFixed(0)} MB slot image)   ${install.toFixed(2)} s`,
  );
  console.log(
    `reference: dd of the same ${mb.toFixed(0)} MB onto the slot in the same VM             ${dd.toFixed(2)} s   (ratio ${(install / dd).toFixed(2)})`,
  );
} finally {
  await vm.stop();
  server.close();
  await rm(dir, { recursive: true, force: true });
}
