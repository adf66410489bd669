/**
 * The rauc CLI of a two-slot device, as far as the agent uses it (a fake for unit and integration
 * tests: the real one runs in the VM, test/qemu-firmware). `hold('info' | 'install')` makes that
 * command wait until `release()` (or, for `info`, until its signal aborts, as a killed process would).
 */
import type { Exec } from '../../agent/firmware/index.ts';

export class FakeRaucCli {
  booted = 'A';
  primary = 'A';
  good: Record<string, boolean> = { A: true, B: false };
  versions: Record<string, string> = {};
  bundle = { compatible: 'portier-door-qemu', version: '2.0', signatureError: '' };
  installError = '';
  calls: string[] = [];
  #held = new Map<string, { started: () => void; release: () => void; gate: Promise<void> }>();
  #startedWaiters = new Map<string, Promise<void>>();

  /** Makes the next `verb` wait until release(verb); resolves `started(verb)` when it begins. */
  hold(verb: 'info' | 'install'): void {
    let release = () => {};
    let started = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    this.#startedWaiters.set(
      verb,
      new Promise<void>((r) => {
        started = r;
      }),
    );
    this.#held.set(verb, { started, release, gate });
  }

  /** Resolves once a held command has started. */
  started(verb: 'info' | 'install'): Promise<void> {
    return this.#startedWaiters.get(verb) ?? Promise.resolve();
  }

  release(verb: 'info' | 'install'): void {
    this.#held.get(verb)?.release();
    this.#held.delete(verb);
  }

  exec: Exec = async (_cmd, args, onLine, signal) => {
    this.calls.push(args.join(' '));
    const [verb, ...rest] = args;
    const held = verb ? this.#held.get(verb) : undefined;
    if (held) {
      held.started();
      const killed = new Promise<'killed'>((r) => signal?.addEventListener('abort', () => r('killed'), { once: true }));
      if ((await Promise.race([held.gate, killed])) === 'killed') return { code: 143, output: 'Terminated\n' };
    }
    if (verb === 'status' && rest[0] === '--detailed') {
      const slot = (b: string, i: number) => ({
        [`rootfs.${i}`]: {
          device: `/dev/vd${'ab'[i]}`,
          type: 'ext4',
          bootname: b,
          state: this.booted === b ? 'booted' : 'inactive',
          boot_status: this.good[b] ? 'good' : 'bad',
          ...(this.versions[b] ? { slot_status: { bundle: { version: this.versions[b] } } } : {}),
        },
      });
      const json = {
        compatible: 'portier-door-qemu',
        booted: this.booted,
        boot_primary: this.primary === 'A' ? 'rootfs.0' : 'rootfs.1',
        slots: [slot('B', 1), slot('A', 0)],
      };
      return { code: 0, output: JSON.stringify(json) };
    }
    if (verb === 'status' && rest[0]?.startsWith('mark-')) {
      const slot = rest[1] === 'booted' ? this.booted : this.booted === 'A' ? 'B' : 'A';
      this.good[slot] = rest[0] === 'mark-good';
      return { code: 0, output: '' };
    }
    if (verb === 'info') {
      if (this.bundle.signatureError)
        return {
          code: 1,
          output: `rauc-Message: 12:00:00.000: Verifying bundle signature...\n${this.bundle.signatureError}\n`,
        };
      return { code: 0, output: JSON.stringify({ compatible: this.bundle.compatible, version: this.bundle.version }) };
    }
    if (verb === 'install') {
      for (const [p, m] of [
        [0, 'Installing'],
        [40, 'Checking bundle done.'],
        [100, 'Installing done.'],
      ] as const)
        onLine?.(`${String(p).padStart(3)}% ${m}`);
      if (this.installError) return { code: 1, output: `  0% Installing\n${this.installError}\n` };
      const other = this.booted === 'A' ? 'B' : 'A';
      this.versions[other] = this.bundle.version;
      this.good[other] = true;
      this.primary = other;
      return { code: 0, output: 'Installing `/x` succeeded\n' };
    }
    return { code: 2, output: `unexpected rauc ${args.join(' ')}` };
  };

  /** What the boot stage does at the next boot. */
  reboot(into?: string): void {
    this.booted = into ?? (this.good[this.primary] ? this.primary : this.primary === 'A' ? 'B' : 'A');
  }
}
