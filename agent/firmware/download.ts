/**
 * Downloads a bundle over HTTP(S) to a file: percent as it comes (when the server says the length),
 * a size limit, the SHA-256 computed on the way, and clear errors for a bad status, a truncated
 * body or a full disk. The partial file is removed on any failure.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorMessage, type HttpStreamFn, httpStream } from '../../core/index.ts';

export type Downloaded = { bytes: number; sha256: string };

export async function download(opts: {
  url: string;
  file: string;
  maxBytes: number;
  progress: (percent: number | undefined, bytes: number) => void;
  /** The GET (core/http-client.ts `httpStream` unless a test injects a fake). */
  get?: HttpStreamFn;
  signal?: AbortSignal;
}): Promise<Downloaded> {
  const get = opts.get ?? httpStream;
  const res = await get(opts.url, { signal: opts.signal, redirect: 'follow' }).catch((err: unknown) => {
    throw new Error(`download of ${opts.url} failed: ${errorMessage(err)}`);
  });
  const refuse = (message: string) => {
    res.body.destroy();
    return new Error(message);
  };
  if (!res.ok) throw refuse(`download of ${opts.url} failed: HTTP ${res.status}`);
  const length = Number(res.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(length) && length > opts.maxBytes)
    throw refuse(`the bundle is ${length} bytes, more than the ${opts.maxBytes} allowed`);
  const hash = createHash('sha256');
  let bytes = 0;
  let lastPercent = -1;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > opts.maxBytes) {
        done(new Error(`the bundle is more than the ${opts.maxBytes} bytes allowed`));
        return;
      }
      hash.update(chunk);
      const percent = Number.isFinite(length) && length > 0 ? Math.floor((bytes * 100) / length) : undefined;
      if (percent === undefined || percent !== lastPercent) {
        lastPercent = percent ?? -1;
        opts.progress(percent, bytes);
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(res.body, count, createWriteStream(opts.file));
  } catch (err) {
    await rm(opts.file, { force: true });
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC') throw new Error(`no space left on the data disk for the bundle (${bytes} bytes written)`);
    // the server (or the network) ended the connection before the length it announced
    if (e.code === 'ECONNRESET' && Number.isFinite(length))
      throw new Error(`download of ${opts.url} truncated: the connection ended after ${bytes} of ${length} bytes`);
    throw new Error(`download of ${opts.url} failed after ${bytes} bytes: ${errorMessage(err)}`);
  }
  if (Number.isFinite(length) && bytes !== length) {
    await rm(opts.file, { force: true });
    throw new Error(`download of ${opts.url} truncated: ${bytes} of ${length} bytes`);
  }
  return { bytes, sha256: hash.digest('hex') };
}
