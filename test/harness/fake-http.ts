/**
 * Fakes of core/http-client.ts `httpStream` (what the firmware download GETs with): a whole body, or
 * one that sends its first bytes and then hangs until the request is aborted (a slow server).
 */
import { Readable } from 'node:stream';
import type { HttpStreamFn, HttpStreamResponse } from '../../core/http-client.ts';

function response(url: string | URL, status: number, length: number, body: Readable): HttpStreamResponse {
  return {
    url: new URL(url),
    status,
    statusText: '',
    ok: status >= 200 && status <= 299,
    headers: { 'content-length': String(length) },
    body,
  };
}

/** Answers `body` (or only `status` when it is not 200); Content-Length is `length` (default: the body's). */
export function fakeHttpStream(body: Buffer, opts: { length?: number; status?: number } = {}): HttpStreamFn {
  const status = opts.status ?? 200;
  return async (url) =>
    response(
      url,
      status,
      opts.length ?? body.length,
      Readable.from(status === 200 ? [body] : [], { objectMode: false }),
    );
}

/** Sends `first` (of a `total`-byte body), then waits until the request's signal aborts it. */
export function hangingHttpStream(first: Buffer, total: number): HttpStreamFn {
  return async (url, opts) => {
    const signal = opts?.signal;
    if (signal?.aborted) throw signal.reason; // as httpStream does
    const body = new Readable({ read() {} });
    body.push(first);
    signal?.addEventListener('abort', () => body.destroy(signal.reason), { once: true });
    return response(url, 200, total, body);
  };
}
