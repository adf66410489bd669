/**
 * The agent's one HTTP(S) client, on node:http/node:https: HTTP actions, a door's unlock API, autop
 * files, firmware bundles, provisioning files. Not the global `fetch`: its first call loads undici and
 * compiles its WebAssembly HTTP parser, ~12 MB of RSS the device keeps until it reboots, while
 * node:http is already loaded for the web server (test/unit/http-footprint.test.ts).
 *
 * `httpRequest` reads the whole body into a Buffer (with a size limit); `httpStream` resolves with
 * the response head and the body as a stream (a firmware bundle written to disk as it comes). The
 * timeout and the AbortSignal cover the whole exchange, redirects and body included: either one
 * destroys the request, and the error (an `HttpError`) says it timed out or was cancelled.
 *
 * Redirects: `manual` (the default) answers with the 3xx itself, `error` rejects it, `follow`
 * follows up to `maxRedirects`. A loop, https to http, or a scheme other than http(s) is refused;
 * 303 (and 301/302 after a POST) go on as a GET without the body. The headers are sent on every hop
 * to the same origin; Authorization, Cookie and Proxy-Authorization not to another one.
 * Credentials in the URL (`http://user:pass@host/`) are sent as HTTP Basic.
 */
import { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, request as plainRequest } from 'node:http';
import { request as tlsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';

export type HttpOptions = {
  /** GET unless said. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The whole exchange (connect, redirects, the body to its end) must end within this. */
  timeoutMs?: number;
  /** Aborting it destroys the request (`HttpError` of kind `aborted`, its cause the signal's reason). */
  signal?: AbortSignal;
  /** `manual` (default): a 3xx is the answer; `error`: a 3xx is an error; `follow`: followed. */
  redirect?: 'manual' | 'error' | 'follow';
  /** With `follow`: redirects followed at most (default 5). */
  maxRedirects?: number;
  /**
   * A body larger than this is refused: on Content-Length before it is read, and while it comes
   * (`httpRequest`); `httpStream` checks Content-Length only, the reader counts what it reads.
   */
  maxBytes?: number;
  /** HTTPS: PEM of a private CA, trusted besides the system store. */
  ca?: string;
};

export type HttpResponseHead = {
  /** The URL that answered (after redirects). */
  url: URL;
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** A 2xx status. */
  ok: boolean;
};
export type HttpResponse = HttpResponseHead & { body: Buffer };
export type HttpStreamResponse = HttpResponseHead & { body: Readable };

export type HttpRequestFn = (url: string | URL, opts?: HttpOptions) => Promise<HttpResponse>;
export type HttpStreamFn = (url: string | URL, opts?: HttpOptions) => Promise<HttpStreamResponse>;

/**
 * Why a request failed: `timeout`, `aborted` (the signal), `too-large` (maxBytes), `redirect` (refused or
 * too many), `url` (not an http(s) URL), `network` (the socket's error, as `cause`). `url` is the hop
 * where it happened.
 */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'aborted' | 'too-large' | 'redirect' | 'url' | 'network',
    readonly url: URL,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** Headers not sent on to another origin after a redirect (as fetch does). */
const SECRET = new Set(['authorization', 'cookie', 'proxy-authorization']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One request, the whole body read into a Buffer. */
export const httpRequest: HttpRequestFn = (url, opts = {}) => exchange(url, opts, true) as Promise<HttpResponse>;

/** One request, resolved at the response head; the body is a stream (destroyed with the error on timeout/abort). */
export const httpStream: HttpStreamFn = (url, opts = {}) => exchange(url, opts, false) as Promise<HttpStreamResponse>;

function exchange(
  target: string | URL,
  opts: HttpOptions,
  collect: boolean,
): Promise<HttpResponse | HttpStreamResponse> {
  return new Promise((resolve, reject) => {
    const first = new URL(target);
    let current = first;
    let method = (opts.method ?? 'GET').toUpperCase();
    let body = opts.body;
    let hops = 0;
    const seen = new Set<string>();
    let req: ClientRequest | undefined;
    let res: IncomingMessage | undefined;
    let settled = false; // the promise
    let ended = false; // the whole exchange (the body read, or a failure)

    const finish = () => {
      ended = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: Error) => {
      if (ended) return;
      finish();
      if (!settled) {
        settled = true;
        reject(err);
      }
      res?.destroy(err); // a streamed body ends with this error
      req?.destroy();
    };
    const onAbort = () => {
      const reason = opts.signal?.reason;
      const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
      fail(
        new HttpError(`the request to ${current.host} was cancelled${why ? `: ${why}` : ''}`, 'aborted', current, {
          cause: reason,
        }),
      );
    };
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              fail(
                new HttpError(
                  `${current.host} did not answer within ${opts.timeoutMs! / 1000} s (timed out)`,
                  'timeout',
                  current,
                ),
              ),
            opts.timeoutMs,
          );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const send = () => {
      if (current.protocol !== 'http:' && current.protocol !== 'https:')
        return fail(new HttpError(`${current.href}: not an http(s) URL`, 'url', current));
      seen.add(current.href);
      const tls = current.protocol === 'https:';
      const headers: Record<string, string | number> = { ...opts.headers };
      // credentials go to the origin they were given for, never to where a redirect points elsewhere
      if (current.origin !== first.origin)
        for (const k of Object.keys(headers)) if (SECRET.has(k.toLowerCase())) delete headers[k];
      if (current.username)
        headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(current.username)}:${decodeURIComponent(current.password)}`).toString('base64')}`;
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      const r = (tls ? tlsRequest : plainRequest)(
        current,
        { method, headers, ...(tls && opts.ca ? { ca: [...rootCertificates, opts.ca] } : {}) },
        onResponse,
      );
      req = r;
      r.on('error', (err) =>
        fail(err instanceof HttpError ? err : new HttpError(err.message, 'network', current, { cause: err })),
      );
      r.end(body);
    };

    const onResponse = (r: IncomingMessage) => {
      if (ended) return void r.destroy();
      const status = r.statusCode ?? 0;
      if (REDIRECTS.has(status) && opts.redirect !== undefined && opts.redirect !== 'manual') {
        r.resume();
        const refuse = (message: string) => fail(new HttpError(message, 'redirect', current));
        if (opts.redirect === 'error')
          return refuse(`${current.href} answered with a redirect (HTTP ${status}), which is not followed`);
        const location = r.headers.location;
        if (!location) return refuse(`HTTP ${status} without a Location`);
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          return refuse(`HTTP ${status} with a bad Location: ${location}`);
        }
        const max = opts.maxRedirects ?? 5;
        if (seen.has(next.href)) return refuse(`redirect loop: ${current.href} leads back to ${next.href}`);
        if (++hops > max) return refuse(`too many redirects from ${first.href} (more than ${max})`);
        if (current.protocol === 'https:' && next.protocol !== 'https:')
          return refuse(`refused redirect from https to ${next.protocol}// (${next.href})`);
        if (next.protocol !== 'http:' && next.protocol !== 'https:')
          return refuse(`refused redirect to ${next.protocol}// (${next.href})`);
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          if (method !== 'HEAD') method = 'GET';
          body = undefined;
        }
        current = next;
        return send();
      }
      res = r;
      const head: HttpResponseHead = {
        url: current,
        status,
        statusText: r.statusMessage ?? '',
        headers: r.headers,
        ok: status >= 200 && status <= 299,
      };
      const tooLarge = () =>
        new HttpError(`${current.href}: the body is larger than ${opts.maxBytes} bytes`, 'too-large', current);
      const length = Number(r.headers['content-length']);
      if (opts.maxBytes !== undefined && Number.isFinite(length) && length > opts.maxBytes) return fail(tooLarge());
      r.on('error', (err) =>
        fail(err instanceof HttpError ? err : new HttpError(err.message, 'network', current, { cause: err })),
      );
      if (!collect) {
        r.on('end', finish);
        r.on('close', finish);
        settled = true;
        return resolve({ ...head, body: r });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      r.on('data', (c: Buffer) => {
        size += c.length;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) return fail(tooLarge());
        chunks.push(c);
      });
      r.on('end', () => {
        if (ended) return;
        finish();
        settled = true;
        resolve({ ...head, body: Buffer.concat(chunks) });
      });
    };

    send();
  });
}
