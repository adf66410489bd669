/**
 * One run of the baresip process: spawned on its config dir, its output kept (the last lines, for
 * error messages), stopped politely then firmly: `quit` is sent by the engine, then SIGTERM, then SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Clock, Logger } from '../../core/index.ts';
import { stripAnsi } from './messages.ts';

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

const TAIL_LINES = 30;

export class BaresipProcess {
  readonly exited: Promise<Exit>;
  #child: ChildProcess;
  #tail: string[] = [];
  #exit: Exit | undefined;
  #clock: Clock;

  constructor(opts: { binary: string; dir: string; clock: Clock; log: Logger }) {
    this.#clock = opts.clock;
    this.#child = spawn(opts.binary, ['-f', opts.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onLines = (chunk: Buffer) => {
      for (const line of stripAnsi(chunk.toString('utf8')).split('\n')) {
        if (!line.trim()) continue;
        this.#tail.push(line);
        if (this.#tail.length > TAIL_LINES) this.#tail.shift();
        opts.log.trace({ baresip: line }, 'baresip output');
      }
    };
    this.#child.stdout!.on('data', onLines);
    this.#child.stderr!.on('data', onLines);
    this.exited = new Promise((resolve) => {
      this.#child.once('error', (err) => {
        this.#tail.push(`cannot run ${opts.binary}: ${err.message}`);
        this.#exit ??= { code: null, signal: null };
        resolve(this.#exit);
      });
      this.#child.once('exit', (code, signal) => {
        this.#exit ??= { code, signal };
        resolve(this.#exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The last lines baresip printed (its error messages are there). */
  tail(): string {
    return this.#tail.join('\n');
  }

  describeExit(): string {
    const e = this.#exit;
    if (!e) return 'running';
    const how = e.signal ? `killed by ${e.signal}` : e.code === null ? 'could not start' : `exited with code ${e.code}`;
    const last = this.#tail.slice(-3).join(' | ');
    return last ? `baresip ${how} (${last})` : `baresip ${how}`;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /** Waits up to `ms` for the exit; true if it exited. */
  async waitExit(ms: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = this.#clock.setTimeout(() => resolve(false), ms);
    });
    const r = await Promise.race([this.exited.then(() => true as const), timeout]);
    this.#clock.clearTimeout(timer);
    return r;
  }

  /**
   * SIGTERM, then SIGKILL if still there after `graceMs`. baresip takes a first SIGTERM as `quit`
   * (it waits for its SIP transactions) and exits at once on a second one, so two are sent.
   */
  async terminate(graceMs = 2000): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    if (await this.waitExit(Math.min(200, graceMs))) return;
    this.kill('SIGTERM');
    if (await this.waitExit(graceMs)) return;
    this.kill('SIGKILL');
    await this.exited;
  }
}
