/**
 * ftp:// files (basic-ftp): user and password from the URL, else the settings, else anonymous. The
 * size is asked first (SIZE) and a file over the limit is refused before the transfer; the transfer
 * is cut as soon as it passes the limit anyway (a server that does not answer SIZE, or lies).
 * FTP 550 (no such file) is a missing file. basic-ftp is loaded at the first ftp:// fetch, not with
 * the agent (most devices never provision over FTP).
 */
import { Writable } from 'node:stream';
import { FetchError, type FetchOptions, type FetchResult, networkError, timedOut, tooLarge } from './fetch-types.ts';

class TooLarge extends Error {}

export async function fetchFtp(url: URL, opts: FetchOptions): Promise<FetchResult> {
  const { Client, FTPError } = await import('basic-ftp');
  const client = new Client(opts.timeoutMs);
  let timedOutFlag = false;
  const timer = setTimeout(() => {
    timedOutFlag = true;
    client.close();
  }, opts.timeoutMs);
  try {
    await client.access({
      host: url.hostname,
      port: url.port ? Number(url.port) : 21,
      user: url.username ? decodeURIComponent(url.username) : opts.username || 'anonymous',
      password: url.username ? decodeURIComponent(url.password) : opts.password || 'portier@',
    });
    const path = decodeURIComponent(url.pathname);
    const size = await client.size(path).catch((err: unknown) => {
      if (err instanceof FTPError && err.code === 550) return -550;
      return undefined; // SIZE not supported: the transfer enforces the limit
    });
    if (size === -550) return { kind: 'missing', reason: 'FTP 550' };
    if (size !== undefined && size > opts.maxBytes) throw tooLarge(url, opts.maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        total += chunk.length;
        if (total > opts.maxBytes) return cb(new TooLarge());
        chunks.push(chunk);
        cb();
      },
    });
    try {
      await client.downloadTo(sink, path);
    } catch (err) {
      if (err instanceof TooLarge || total > opts.maxBytes) throw tooLarge(url, opts.maxBytes);
      if (err instanceof FTPError && err.code === 550) return { kind: 'missing', reason: 'FTP 550' };
      throw err;
    }
    return { kind: 'ok', data: Buffer.concat(chunks) };
  } catch (err) {
    if (err instanceof FetchError) throw err;
    if (timedOutFlag || /timeout/i.test((err as Error)?.message ?? '')) throw timedOut(url, opts.timeoutMs);
    if (err instanceof FTPError) throw new FetchError(`FTP ${err.code} from ${url.host}: ${err.message}`, 'protocol');
    throw networkError(err, url);
  } finally {
    clearTimeout(timer);
    client.close();
  }
}
