/**
 * The host end of the emulated door phone's control channel (virtio-serial port "ctl", served in the
 * VM by /etc/portier/ctl-serve): one request line "<id> <command>", one reply line
 * "<id> <exit status> <base64 output>". Commands run one at a time in the VM's shell.
 */
import { createConnection, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export type CommandResult = { code: number; output: string };

export class ControlChannel {
  #socket: Socket | undefined;
  #next = 1;
  #pending = new Map<string, { resolve: (r: CommandResult) => void; reject: (e: Error) => void }>();
  #buffer = '';

  /** Connects to QEMU's socket (created when QEMU starts; retried until it exists). */
  async connect(path: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        this.#socket = await new Promise<Socket>((resolve, reject) => {
          const s = createConnection(path, () => resolve(s));
          s.once('error', reject);
        });
        break;
      } catch (err) {
        if (Date.now() > end) throw new Error(`control channel ${path}: ${(err as Error).message}`);
        await delay(50);
      }
    }
    this.#socket.setEncoding('utf8');
    this.#socket.on('data', (d: string) => this.#onData(d));
    this.#socket.on('close', () => this.#failAll(new Error('control channel closed')));
    this.#socket.on('error', (err) => this.#failAll(err));
  }

  /** Runs a shell command (any text: it is sent base64-encoded) in the VM. */
  run(command: string, timeoutMs = 30_000): Promise<CommandResult> {
    const socket = this.#socket;
    if (!socket) return Promise.reject(new Error('control channel not connected'));
    const id = String(this.#next++);
    const encoded = Buffer.from(command).toString('base64');
    return new Promise<CommandResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`VM command timed out after ${timeoutMs} ms: ${command}`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      socket.write(`${id} eval "$(echo ${encoded} | base64 -d)"\n`);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #onData(d: string): void {
    this.#buffer += d;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl).trim();
      this.#buffer = this.#buffer.slice(nl + 1);
      const [id, code, out = ''] = line.split(' ');
      const p = id ? this.#pending.get(id) : undefined;
      if (!p) continue;
      this.#pending.delete(id as string);
      p.resolve({ code: Number(code), output: Buffer.from(out, 'base64').toString('utf8') });
    }
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
