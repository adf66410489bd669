/**
 * http:// and https:// files, on the agent's HTTP client (core/http-client.ts): certificate verified
 * (system store, plus a private CA if set), a deadline on the whole fetch, a size limit checked on
 * Content-Length before the body is read and again while it streams, redirects followed up to a
 * limit (a loop, or https to http, is an error). The client's errors become `FetchError`s.
 */
import { HttpError, httpRequest } from '../../core/index.ts';
import { FetchError, type FetchOptions, type FetchResult, networkError, timedOut, tooLarge } from './fetch-types.ts';

export async function fetchHttp(url: URL, opts: FetchOptions): Promise<FetchResult> {
  const headers: Record<string, string> = { 'user-agent': 'Portier-autop', accept: '*/*' };
  // credentials in a URL (of any hop) win over these: the client sends them as HTTP Basic
  if (opts.username)
    headers.authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}`;
  const res = await httpRequest(url, {
    headers,
    timeoutMs: opts.timeoutMs,
    maxBytes: opts.maxBytes,
    redirect: 'follow',
    maxRedirects: opts.maxRedirects,
    ca: opts.ca,
  }).catch((err: unknown) => {
    throw fetchError(err, url, opts);
  });
  if (res.status === 404 || res.status === 410) return { kind: 'missing', reason: `HTTP ${res.status}` };
  if (!res.ok)
    throw new FetchError(
      `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} from ${res.url.host}`,
      'protocol',
    );
  return { kind: 'ok', data: res.body };
}

function fetchError(err: unknown, url: URL, opts: FetchOptions): FetchError {
  if (!(err instanceof HttpError)) return networkError(err, url);
  switch (err.kind) {
    case 'timeout':
      return timedOut(err.url, opts.timeoutMs);
    case 'too-large':
      return tooLarge(err.url, opts.maxBytes);
    case 'redirect':
      return new FetchError(err.message, 'redirect');
    case 'network':
      return networkError(err.cause, err.url);
    default:
      return new FetchError(err.message, 'protocol');
  }
}
