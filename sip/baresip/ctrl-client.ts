/**
 * The one ctrl_tcp connection to baresip: netstring frames, commands matched to their responses
 * by token, a timeout per command, events passed on as they come. Commands are pipelined: a group
 * of commands is written in one go, so baresip runs them back to back. TCP_QUICKACK is set after
 * every read, so that baresip's next write is not held back by its Nagle (see quickack.ts).
 */
import { connect, type Socket } from 'node:net';
import { type Clock, type Logger, type TimerHandle, TypedEmitter } from '../../core/index.ts';
import { type BaresipEvent, type CtrlResponse, parseCtrlMessage } from './messages.ts';
import { encodeNetstring, NetstringDecoder } from './netstring.ts';
import { loadQuickAck, type QuickAck, socketFd } from './quickack.ts';

export type Command = { command: string; params?: string };

export type CtrlEvents = {
  event: BaresipEvent;
  /** The connection is gone (baresip exited, kicked us, stopped answering, or the stream was corrupt). */
  close: { reason: string };
};

export class CommandError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`baresip ${command}: ${message}`);
  }
}

type Pending = { command: string; resolve: (r: CtrlResponse) => void; reject: (e: Error) => void; timer: TimerHandle };

export class CtrlClient {
  readonly events = new TypedEmitter<CtrlEvents>();
  #socket: Socket | undefined;
  #decoder = new NetstringDecoder();
  #pending = new Map<string, Pending>();
  #next = 1;
  #closed = false;
  #clock: Clock;
  #log: Logger;
  #timeoutMs: number;
  #quickAckDep: QuickAck | false | undefined;
  #quickAck: QuickAck | undefined;
  #fd: number | undefined;
  #reads = 0;

  /**
   * `quickAck`: how TCP_QUICKACK is set (default: libc through koffi); false to leave it off
   * (the control of test/integration/sip-latency.test.ts).
   */
  constructor(deps: { clock: Clock; log: Logger; commandTimeoutMs?: number; quickAck?: QuickAck | false }) {
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#timeoutMs = deps.commandTimeoutMs ?? 3000;
    this.#quickAckDep = deps.quickAck;
  }

  /** Reads from the socket so far (one TCP_QUICKACK each). */
  get reads(): number {
    return this.#reads;
  }

  /** The socket's file descriptor, once connected. */
  get fd(): number | undefined {
    return this.#fd;
  }

  get connected(): boolean {
    return this.#socket !== undefined && !this.#closed;
  }

  /** Connects once; rejects if nothing listens. */
  async connect(port: number, host = '127.0.0.1'): Promise<void> {
    if (this.#quickAckDep === undefined) {
      this.#quickAckDep = await loadQuickAck().catch((err) => {
        this.#log.warn({ err }, 'TCP_QUICKACK is not available: baresip answers may wait up to 40 ms');
        return false as const;
      });
    }
    if (this.#quickAckDep) this.#quickAck = this.#quickAckDep;
    await new Promise<void>((resolve, reject) => {
      const s = connect({ port, host, noDelay: true });
      const onError = (err: Error) => {
        s.destroy();
        reject(err);
      };
      s.once('error', onError);
      s.once('connect', () => {
        s.off('error', onError);
        this.#socket = s;
        this.#fd = socketFd(s);
        if (this.#quickAck && this.#fd === undefined) {
          this.#quickAck = undefined;
          this.#log.warn('no file descriptor for ctrl_tcp: TCP_QUICKACK not set, baresip answers may wait up to 40 ms');
        }
        this.#ackNow();
        s.on('data', (chunk: Buffer) => {
          this.#reads++;
          // First, before anything is written in reply: the ACK of this read leaves now.
          this.#ackNow();
          this.#onData(chunk);
        });
        s.on('error', (err) => this.#close(`ctrl_tcp error: ${err.message}`));
        s.on('close', () => this.#close('ctrl_tcp connection closed'));
        resolve();
      });
    });
  }

  /** Sends one command and resolves with its response (rejects if baresip says it failed). */
  async command(command: string, params?: string, timeoutMs?: number): Promise<CtrlResponse> {
    const [p] = this.send([{ command, params }], timeoutMs);
    const r = await p!;
    if (!r.ok) throw new CommandError(command, r.data.trim() || 'failed');
    return r;
  }

  /**
   * Writes a group of commands in one write and returns one promise per command, resolved with its
   * response whether ok or not (rejected only on timeout or a lost connection).
   */
  send(commands: Command[], timeoutMs = this.#timeoutMs): Promise<CtrlResponse>[] {
    const frames: Buffer[] = [];
    const promises = commands.map(({ command, params }) => {
      const token = String(this.#next++);
      const body: Record<string, string> = { command };
      if (params !== undefined) body.params = params;
      body.token = token;
      frames.push(encodeNetstring(JSON.stringify(body)));
      return new Promise<CtrlResponse>((resolve, reject) => {
        if (!this.connected) {
          reject(new CommandError(command, 'not connected'));
          return;
        }
        const timer = this.#clock.setTimeout(() => {
          this.#pending.delete(token);
          reject(new CommandError(command, `no response within ${timeoutMs} ms`));
          // A baresip that does not answer is stuck: the connection is given up (the engine restarts it).
          this.#close(`no response to ${command} within ${timeoutMs} ms`);
        }, timeoutMs);
        this.#pending.set(token, { command, resolve, reject, timer });
      });
    });
    if (this.connected) this.#socket!.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    return promises;
  }

  close(): void {
    this.#close('closed by the engine');
  }

  #ackNow(): void {
    if (!this.#quickAck || this.#fd === undefined) return;
    try {
      this.#quickAck.set(this.#fd);
    } catch (err) {
      this.#quickAck = undefined;
      this.#log.warn({ err }, 'TCP_QUICKACK could not be set: baresip answers may wait up to 40 ms');
    }
  }

  #onData(chunk: Buffer): void {
    let payloads: string[];
    try {
      payloads = this.#decoder.push(chunk);
    } catch (err) {
      this.#close(`corrupt ctrl_tcp stream: ${(err as Error).message}`);
      return;
    }
    for (const payload of payloads) {
      let msg: ReturnType<typeof parseCtrlMessage>;
      try {
        msg = parseCtrlMessage(payload);
      } catch (err) {
        this.#log.warn({ err }, 'ignoring an unreadable ctrl_tcp message');
        continue;
      }
      if (msg.kind === 'event') {
        this.events.emit('event', msg.event);
        continue;
      }
      const token = msg.response.token;
      const p = token === undefined ? undefined : this.#pending.get(token);
      if (!p) {
        this.#log.debug({ token }, 'ctrl_tcp response to no pending command');
        continue;
      }
      this.#pending.delete(token!);
      this.#clock.clearTimeout(p.timer);
      p.resolve(msg.response);
    }
  }

  #close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.destroy();
    for (const [token, p] of this.#pending) {
      this.#clock.clearTimeout(p.timer);
      p.reject(new CommandError(p.command, reason));
      this.#pending.delete(token);
    }
    this.events.emit('close', { reason });
  }
}
