/**
 * A bare ctrl_tcp client, written apart from the engine's: tests drive peers with it, and the
 * benchmark uses it as the reference (baresip driven directly, nothing added).
 */
import { connect, type Socket } from 'node:net';

export type RawEvent = Record<string, string | boolean | undefined> & { type: string };
export type RawResponse = { ok: boolean; data: string; token?: string };

export class RawCtrl {
  #s: Socket;
  #buf = Buffer.alloc(0);
  #tok = 0;
  #waiting = new Map<string, (r: RawResponse) => void>();
  #onEvent: (e: RawEvent) => void;

  private constructor(s: Socket, onEvent: (e: RawEvent) => void) {
    this.#s = s;
    this.#onEvent = onEvent;
    s.on('data', (d: Buffer) => this.#data(d));
    s.on('error', () => undefined);
  }

  static async connect(port: number, onEvent: (e: RawEvent) => void, timeoutMs = 5000): Promise<RawCtrl> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        const s = await new Promise<Socket>((resolve, reject) => {
          const s = connect({ port, host: '127.0.0.1', noDelay: true });
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        return new RawCtrl(s, onEvent);
      } catch (err) {
        if (Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  /** Writes commands in one go; resolves with their responses in order. */
  send(...cmds: [string, string?][]): Promise<RawResponse[]> {
    let out = '';
    const ps = cmds.map(([command, params]) => {
      const token = `r${++this.#tok}`;
      const json = JSON.stringify(params === undefined ? { command, token } : { command, params, token });
      out += `${Buffer.byteLength(json)}:${json},`;
      return new Promise<RawResponse>((resolve) => this.#waiting.set(token, resolve));
    });
    this.#s.write(out);
    return Promise.all(ps);
  }

  async cmd(command: string, params?: string): Promise<RawResponse> {
    const [r] = await this.send([command, params]);
    return r!;
  }

  close(): void {
    this.#s.destroy();
  }

  #data(d: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, d]);
    for (;;) {
      const colon = this.#buf.indexOf(':');
      if (colon < 0) return;
      const len = Number(this.#buf.subarray(0, colon).toString());
      if (this.#buf.length < colon + len + 2) return;
      const msg = JSON.parse(this.#buf.subarray(colon + 1, colon + 1 + len).toString());
      this.#buf = this.#buf.subarray(colon + len + 2);
      if (msg.response) {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
        const r = { ok: msg.ok, data: String(msg.data ?? '').replace(/\x1b\[[0-9;]*m/g, ''), token: msg.token };
        this.#waiting.get(msg.token)?.(r);
        this.#waiting.delete(msg.token);
      } else if (msg.event) this.#onEvent(msg);
    }
  }
}
