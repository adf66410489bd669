/**
 * http:// and https:// files: certificate verified (system store, plus a private CA if set), a
 * deadline on the whole fetch, a size limit checked on Content-Length before the body is read and
 * again while it streams, redirects followed up to a limit (a loop, or https to http, is an error).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { FetchError, type FetchOptions, type FetchResult, networkError, timedOut, tooLarge } from './fetch-types.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function fetchHttp(url: URL, opts: FetchOptions): Promise<FetchResult> {
  const seen = new Set<string>();
  let current = url;
  for (let hop = 0; ; hop++) {
    seen.add(current.href);
    const r = await getOnce(current, opts);
    if (r.kind !== 'redirect') return r;
    const next = new URL(r.location, current);
    if (seen.has(next.href))
      throw new FetchError(`redirect loop: ${current.href} leads back to ${next.href}`, 'redirect');
    if (hop + 1 > opts.maxRedirects)
      throw new FetchError(`too many redirects from ${url.href} (more than ${opts.maxRedirects})`, 'redirect');
    if (current.protocol === 'https:' && next.protocol !== 'https:')
      throw new FetchError(`refused redirect from https to ${next.protocol}// (${next.href})`, 'redirect');
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      throw new FetchError(`refused redirect to ${next.protocol}// (${next.href})`, 'redirect');
    current = next;
  }
}

type Once = FetchResult | { kind: 'redirect'; location: string };

function getOnce(url: URL, opts: FetchOptions): Promise<Once> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': 'Portier-autop', accept: '*/*' };
    const user = url.username ? decodeURIComponent(url.username) : opts.username;
    const pass = url.username ? decodeURIComponent(url.password) : opts.password;
    if (user) headers.authorization = `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}`;
    const tls = url.protocol === 'https:';
    const request = tls ? httpsRequest : httpRequest;
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
    };
    const req = request(
      url,
      {
        method: 'GET',
        headers,
        ...(tls && opts.ca ? { ca: [...rootCertificates, opts.ca] } : {}),
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        if (REDIRECTS.has(status)) {
          res.resume();
          const location = res.headers.location;
          if (!location) return finish(() => reject(new FetchError(`HTTP ${status} without a Location`, 'redirect')));
          return finish(() => resolve({ kind: 'redirect', location }));
        }
        if (status === 404 || status === 410) {
          res.resume();
          return finish(() => resolve({ kind: 'missing', reason: `HTTP ${status}` }));
        }
        if (status < 200 || status > 299) {
          res.resume();
          return finish(() =>
            reject(
              new FetchError(
                `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} from ${url.host}`,
                'protocol',
              ),
            ),
          );
        }
        const length = Number(res.headers['content-length']);
        if (Number.isFinite(length) && length > opts.maxBytes) {
          req.destroy();
          return finish(() => reject(tooLarge(url, opts.maxBytes)));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > opts.maxBytes) {
            req.destroy();
            finish(() => reject(tooLarge(url, opts.maxBytes)));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => finish(() => resolve({ kind: 'ok', data: Buffer.concat(chunks) })));
        res.on('error', (err) => finish(() => reject(networkError(err, url))));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(() => reject(timedOut(url, opts.timeoutMs)));
    }, opts.timeoutMs);
    req.on('error', (err) => finish(() => reject(networkError(err, url))));
    req.end();
  });
}
