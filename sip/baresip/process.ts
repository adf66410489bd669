/**
 * One run of the baresip process: spawned on its config dir, its output kept (the last lines, for
 * error messages) and logged (its warnings and errors at warn, e.g. why a call was refused: `ua: SDP
 * offer AF not available`; the rest at trace), stopped politely then firmly: `quit` is sent by the
 * engine, then SIGTERM, then SIGKILL. At most 20 warnings are logged in 10 s (a flood of malformed SIP
 * makes one each: log-budget.ts). baresip 1.0.0 flushes each log line even into a pipe
 * (measured: lines arrive as they are printed; no `stdbuf` needed). Run from a terminal, it is in a
 * process group of its own: a Ctrl-C reaches only the agent, which stops it (core/long-lived-child.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { type Clock, type Logger, spawnLongLived } from '../../core/index.ts';
import { LogBudget } from './log-budget.ts';
import { type OutputLine, OutputLines } from './output.ts';
import type { SipTrace } from './sip-trace.ts';

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

const TAIL_LINES = 30;

export class BaresipProcess {
  readonly exited: Promise<Exit>;
  #child: ChildProcess;
  #tail: string[] = [];
  #exit: Exit | undefined;
  #clock: Clock;

  /** `sipTrace`: run baresip with its SIP trace (`-s`) and take the trace out of its output (sip-trace.ts). */
  constructor(opts: {
    binary: string;
    dir: string;
    clock: Clock;
    log: Logger;
    sipTrace?: SipTrace;
  }) {
    this.#clock = opts.clock;
    const trace = opts.sipTrace;
    const args = trace ? ['-s', '-f', opts.dir] : ['-f', opts.dir];
    this.#child = spawnLongLived(opts.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const budget = new LogBudget(opts.clock);
    const onLine = ({ text, warning }: OutputLine) => {
      this.#tail.push(text);
      if (this.#tail.length > TAIL_LINES) this.#tail.shift();
      if (!warning) return opts.log.trace({ baresip: text }, 'baresip output');
      const dropped = budget.take();
      if (dropped === undefined) return;
      const before = dropped ? ` (${dropped} earlier warning(s) of baresip not logged: too many)` : '';
      opts.log.warn({ baresip: text, ...(dropped ? { dropped } : {}) }, `baresip: ${text.trim()}${before}`);
    };
    const out = new OutputLines();
    const err = new OutputLines();
    if (trace) {
      this.#child.stdout!.on('data', (chunk: Buffer) => out.push(trace.push(chunk)).forEach(onLine));
      this.#child.stdout!.on('end', () => [...out.push(trace.flush()), ...out.flush()].forEach(onLine));
    } else {
      this.#child.stdout!.setEncoding('utf8');
      this.#child.stdout!.on('data', (chunk: string) => out.push(chunk).forEach(onLine));
      this.#child.stdout!.on('end', () => out.flush().forEach(onLine));
    }
    this.#child.stderr!.setEncoding('utf8');
    // baresip writes to stderr only when something is wrong (e.g. it cannot start).
    const onErr = (l: OutputLine) => onLine({ text: l.text, warning: true });
    this.#child.stderr!.on('data', (chunk: string) => err.push(chunk).forEach(onErr));
    this.#child.stderr!.on('end', () => err.flush().forEach(onErr));
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
