/**
 * The emulated door phone under QEMU (TCG): boots the image of rootfs/ (`make image`), reads its
 * serial console, talks to it over the virtio-serial control channel, forwards guest TCP ports to
 * free 127.0.0.1 ports (user networking with restrict=on: the guest reaches nothing else), and
 * always stops its QEMU by PID (also when the test process exits; when it is killed, the kernel
 * kills QEMU: see startQemu).
 *
 *   const vm = await DoorPhoneVm.boot();
 *   await vm.gpio.press('EXIT_BUTTON');           // gpio-sim pull, as the wiring would
 *   await vm.gpio.wait('RELAY_A', 1);             // an output's value
 *   await vm.sh('baresip -f /tmp/im >/tmp/im.log 2>&1 &');
 *   fetch(vm.url('http', '/api/v1/...'));         // the agent's web port (8080 in the guest)
 *   await vm.stop();
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CommandResult, ControlChannel } from './control.ts';

const REPO = resolve(import.meta.dirname, '../..');
export const IMAGE_DIR = join(REPO, 'rootfs/build/out');

export type VmOptions = {
  /** Directory with vmlinux and initrd.cpio (default rootfs/build/out). */
  imageDir?: string;
  memoryMb?: number;
  cpus?: number;
  /** Extra kernel command line, e.g. `portier.log=debug` or `portier.agent=off`. */
  append?: string;
  /** Guest TCP ports to forward, by name (default: http = 8080, the agent's web port). */
  forward?: Record<string, number>;
  /**
   * Extra options of the user network (`-netdev user,...`), e.g. `tftp=DIR` and
   * `tftp-server-name=10.0.2.2` (DHCP option 66 and QEMU's built-in TFTP server).
   */
  netdev?: string[];
  /** Where the console is written (default test-results/qemu-<time>.log). */
  consoleLog?: string;
  bootTimeoutMs?: number;
  /** Another initramfs than imageDir's initrd.cpio (the A/B boot stage of `make bundle`). */
  initrd?: string;
  /** Raw disk images, attached as virtio disks in this order (/dev/vda, /dev/vdb, ...). */
  drives?: string[];
  /**
   * A reboot in the guest restarts it in the same QEMU (default: QEMU exits, `-no-reboot`). The
   * control channel stays connected; wait for `portier-vm: ready` again after a reboot.
   */
  reboot?: boolean;
  /**
   * Host TCP services the guest may reach (restrict=on lets it reach nothing else): guest port on
   * 10.0.2.100 (10.0.2.2, the host side of the user network, cannot be forwarded) → host port on
   * 127.0.0.1, e.g. `{ 8000: server.port }` for `http://10.0.2.100:8000/...`.
   */
  hostServices?: Record<number, number>;
};

const alive = new Set<ChildProcess>();
process.on('exit', () => {
  for (const q of alive) {
    try {
      if (q.pid) process.kill(q.pid, 'SIGKILL');
    } catch {}
  }
});

/**
 * Starts qemu-system-x86_64 with `args`, tied to this process: started through util-linux's
 * `setpriv --pdeathsig KILL` (which execs QEMU, so the PID is QEMU's), the kernel kills QEMU when
 * this process dies in any way, also when node's test runner kills a test file at its timeout
 * (the `exit` handler above runs only when node exits by itself).
 */
export function startQemu(args: string[]): ChildProcess {
  const qemu = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!qemu.pid) throw new Error('qemu-system-x86_64 did not start (setpriv from util-linux is needed)');
  alive.add(qemu);
  return qemu;
}

/** Builds the image if needed (a warm build takes well under a second). */
export function buildImage(): void {
  execFileSync('bash', [join(REPO, 'rootfs/build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no free port'))));
    });
  });
}

/** guestfwd rules: each guest connection to 10.0.2.100:PORT runs test/qemu/relay.mjs to the host port. */
function guestFwd(services: Record<number, number> = {}): string[] {
  const relay = join(import.meta.dirname, 'relay.mjs');
  return Object.entries(services).map(
    ([guest, host]) => `guestfwd=tcp:10.0.2.100:${guest}-cmd:${process.execPath} ${relay} ${host}`,
  );
}

export class DoorPhoneVm {
  /** Host ports of the forwarded guest ports, by name. */
  readonly ports: Record<string, number>;
  readonly consoleLog: string;
  #qemu: ChildProcess;
  #dir: string;
  #ctl = new ControlChannel();
  #lines: string[] = [];
  #partial = '';
  #waiters = new Set<() => void>();
  #log: WriteStream;
  #exited: Promise<void>;

  private constructor(qemu: ChildProcess, dir: string, ports: Record<string, number>, consoleLog: string) {
    this.#qemu = qemu;
    this.#dir = dir;
    this.ports = ports;
    this.consoleLog = consoleLog;
    this.#log = createWriteStream(consoleLog);
    this.#exited = new Promise((r) => qemu.once('exit', () => r()));
    qemu.once('exit', () => {
      alive.delete(qemu);
      for (const w of [...this.#waiters]) w();
    });
    const onData = (d: Buffer) => {
      const text = this.#partial + d.toString('utf8').replaceAll('\r', '');
      const parts = text.split('\n');
      this.#partial = parts.pop() ?? '';
      for (const l of parts) {
        this.#lines.push(l);
        this.#log.write(`${l}\n`);
      }
      for (const w of [...this.#waiters]) w();
    };
    qemu.stdout?.on('data', onData);
    qemu.stderr?.on('data', onData);
  }

  get pid(): number {
    return this.#qemu.pid as number;
  }

  get running(): boolean {
    return this.#qemu.exitCode === null && this.#qemu.signalCode === null;
  }

  /** Starts QEMU and resolves once the control channel answers. The agent may still be starting. */
  static async boot(opts: VmOptions = {}): Promise<DoorPhoneVm> {
    const image = opts.imageDir ?? IMAGE_DIR;
    const initrd = opts.initrd ?? join(image, 'initrd.cpio');
    for (const f of [join(image, 'vmlinux'), initrd, ...(opts.drives ?? [])]) {
      if (!existsSync(f)) throw new Error(`${f} is missing: run \`make image\` (A/B disks: \`make bundle\`)`);
    }
    const dir = await mkdtemp(join(tmpdir(), 'portier-vm-'));
    const forward = opts.forward ?? { http: 8080 };
    const ports: Record<string, number> = {};
    for (const name of Object.keys(forward)) ports[name] = await freePort();
    const fwd = Object.entries(forward).map(([name, guest]) => `hostfwd=tcp:127.0.0.1:${ports[name]}-:${guest}`);
    const sock = join(dir, 'ctl.sock');
    const args = [
      ...[
        '-accel',
        'tcg',
        '-M',
        'pc',
        '-cpu',
        'max',
        '-m',
        String(opts.memoryMb ?? 1024),
        '-smp',
        String(opts.cpus ?? 1),
      ],
      ...['-nodefaults', '-no-user-config', '-display', 'none', ...(opts.reboot ? [] : ['-no-reboot'])],
      ...['-serial', 'stdio', '-kernel', join(image, 'vmlinux'), '-initrd', initrd],
      ...(opts.drives ?? []).flatMap((f) => ['-drive', `file=${f},format=raw,if=virtio,cache=unsafe`]),
      ...['-append', `console=ttyS0 quiet loglevel=4 panic=-1 ${opts.append ?? ''}`.trim()],
      ...['-chardev', `socket,id=ctl,path=${sock},server=on,wait=off`],
      ...['-device', 'virtio-serial-pci', '-device', 'virtserialport,chardev=ctl,name=ctl'],
      ...[
        '-netdev',
        ['user,id=n0,restrict=on', ...fwd, ...guestFwd(opts.hostServices), ...(opts.netdev ?? [])].join(','),
        '-device',
        'virtio-net-pci,netdev=n0',
      ],
    ];
    const qemu = startQemu(args);
    await mkdir(join(REPO, 'test-results'), { recursive: true });
    const consoleLog =
      opts.consoleLog ?? join(REPO, 'test-results', `qemu-${new Date().toISOString().replaceAll(':', '-')}.log`);
    const vm = new DoorPhoneVm(qemu, dir, ports, consoleLog);
    try {
      await vm.#ctl.connect(sock);
      const timeout = opts.bootTimeoutMs ?? 120_000;
      await vm.waitForConsole(/portier-vm: ready/, { timeoutMs: timeout });
      const ping = await vm.#ctl.run('echo pong', timeout);
      if (ping.output.trim() !== 'pong') throw new Error(`control channel: unexpected reply ${JSON.stringify(ping)}`);
    } catch (err) {
      await vm.stop();
      throw err;
    }
    return vm;
  }

  /** Console lines so far (a mark for `since`). */
  mark(): number {
    return this.#lines.length;
  }

  lines(since = 0): string[] {
    return this.#lines.slice(since);
  }

  /** Resolves with the first console line at or after `since` that matches. */
  waitForConsole(match: RegExp, opts: { since?: number; timeoutMs?: number } = {}): Promise<string> {
    const since = opts.since ?? 0;
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return new Promise((resolvePromise, reject) => {
      let checked = since;
      const check = () => {
        for (; checked < this.#lines.length; checked++) {
          const l = this.#lines[checked] as string;
          if (match.test(l)) {
            done();
            resolvePromise(l);
            return;
          }
        }
        if (!this.running) {
          done();
          reject(new Error(`QEMU exited while waiting for ${match} (console: ${this.consoleLog})`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no console line matching ${match} within ${timeoutMs} ms (console: ${this.consoleLog})`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Runs a shell command in the VM. */
  run(command: string, timeoutMs?: number): Promise<CommandResult> {
    return this.#ctl.run(command, timeoutMs);
  }

  /** Runs a shell command in the VM; its output, or an error if it exits non-zero. */
  async sh(command: string, timeoutMs?: number): Promise<string> {
    const r = await this.#ctl.run(command, timeoutMs);
    if (r.code !== 0) throw new Error(`VM: \`${command}\` exited ${r.code}: ${r.output}`);
    return r.output;
  }

  /** The simulated GPIO lines (see rootfs/overlay/usr/bin/gpio-sim). */
  readonly gpio = {
    press: (line: string) => this.sh(`gpio-sim press ${line}`),
    release: (line: string) => this.sh(`gpio-sim release ${line}`),
    get: async (line: string) => Number((await this.sh(`gpio-sim get ${line}`)).trim()),
    /** Waits in the VM until the line reads `value`; resolves with the VM uptime (s) it saw it at. */
    wait: async (line: string, value: 0 | 1, timeoutMs = 10_000) => {
      const out = await this.sh(`gpio-sim wait ${line} ${value} ${timeoutMs}`, timeoutMs + 30_000);
      return Number(out.trim().split(' ')[1]);
    },
    bounce: (line: string, count: number) => this.sh(`gpio-sim bounce ${line} ${count}`),
  };

  /** URL of a forwarded guest port on the host. */
  url(name: string, path = '/'): string {
    const port = this.ports[name];
    if (!port) throw new Error(`guest port ${name} is not forwarded`);
    return `http://127.0.0.1:${port}${path}`;
  }

  /** Stops QEMU by its PID: SIGTERM, SIGKILL after 3 s. */
  async stop(): Promise<void> {
    this.#ctl.close();
    if (this.running && this.#qemu.pid) {
      try {
        process.kill(this.#qemu.pid, 'SIGTERM');
      } catch {}
      const killer = setTimeout(() => {
        try {
          if (this.#qemu.pid) process.kill(this.#qemu.pid, 'SIGKILL');
        } catch {}
      }, 3000);
      await this.#exited;
      clearTimeout(killer);
    }
    alive.delete(this.#qemu);
    await new Promise<void>((r) => this.#log.end(() => r()));
    await rm(this.#dir, { recursive: true, force: true });
  }
}
