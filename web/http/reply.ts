/**
 * How a route answers: a status, headers, cookies and one payload (an object is JSON, a string is
 * text, a Buffer or a stream is sent as is); or `hijack()` and write to `raw` itself (event streams).
 */
import type { ServerResponse } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import { type SerializeOptions, stringifySetCookie } from 'cookie';

type Headers = Record<string, string | number | string[]>;

export class Reply {
  readonly raw: ServerResponse;
  statusCode = 200;
  #headers: Headers = {};
  #sent = false;
  #hijacked = false;
  #beforeSend: (reply: Reply) => void;

  /** `beforeSend` runs once, just before the head is written (the app's common headers). */
  constructor(raw: ServerResponse, beforeSend: (reply: Reply) => void) {
    this.raw = raw;
    this.#beforeSend = beforeSend;
  }

  /** Answered, or taken over by the route. */
  get sent(): boolean {
    return this.#sent || this.#hijacked || this.raw.headersSent;
  }

  code(status: number): this {
    this.statusCode = status;
    return this;
  }

  header(name: string, value: string | number | string[]): this {
    this.#headers[name.toLowerCase()] = value;
    return this;
  }

  headers(values: Record<string, string | number | string[]>): this {
    for (const [k, v] of Object.entries(values)) this.header(k, v);
    return this;
  }

  type(contentType: string): this {
    return this.header('content-type', contentType);
  }

  setCookie(name: string, value: string, opts: SerializeOptions = {}): this {
    const cookie = stringifySetCookie({ name, value, ...opts });
    const had = this.#headers['set-cookie'];
    this.#headers['set-cookie'] = [...(Array.isArray(had) ? had : had === undefined ? [] : [String(had)]), cookie];
    return this;
  }

  clearCookie(name: string, opts: SerializeOptions = {}): this {
    return this.setCookie(name, '', { ...opts, expires: new Date(0), maxAge: 0 });
  }

  redirect(url: string, status = 302): this {
    return this.code(status).header('location', url).send();
  }

  /** The route writes to `raw` itself from here on. */
  hijack(): void {
    this.#hijacked = true;
  }

  send(payload?: unknown): this {
    if (this.sent) return this;
    this.#sent = true;
    this.#beforeSend(this);
    const res = this.raw;
    const head = res.req.method === 'HEAD';
    if (payload instanceof Readable) {
      res.writeHead(this.statusCode, this.#headers);
      if (head) {
        payload.destroy();
        res.end();
      } else pipeline(payload, res, () => {}); // a read error ends the answer (destroyed), never hangs it
      return this;
    }
    let body: string | Buffer;
    if (payload === undefined || payload === null) body = '';
    else if (typeof payload === 'string') {
      body = payload;
      this.#headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else if (Buffer.isBuffer(payload)) {
      body = payload;
      this.#headers['content-type'] ??= 'application/octet-stream';
    } else {
      body = JSON.stringify(payload);
      this.#headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    if (this.statusCode !== 204 && this.statusCode !== 304) this.#headers['content-length'] = Buffer.byteLength(body);
    res.writeHead(this.statusCode, this.#headers);
    res.end(head ? undefined : body);
    return this;
  }
}
