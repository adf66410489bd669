/**
 * The files of a folder (the built web UI), GET and HEAD: index.html for a folder, the precompressed
 * `.br`/`.gz` copy the client accepts, a content type by extension, an ETag (304 when unchanged), and
 * the cache policy the caller gives per path. Nothing outside the folder is reachable; a missing
 * file is `undefined`, for the app's 404.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Reply } from './reply.ts';
import type { Request } from './request.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Encodings with a precompressed copy, in the order they are preferred. */
const ENCODINGS = [
  { name: 'br', ext: '.br' },
  { name: 'gzip', ext: '.gz' },
];

export type StaticOptions = {
  root: string;
  /** The cache-control header of a file, by its path under root (`/assets/app-X.js`). */
  cacheControl: (path: string) => string;
};

function accepts(header: string | undefined, encoding: string): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().split(';');
    if (name?.trim().toLowerCase() !== encoding) return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}

async function fileStat(path: string) {
  try {
    const s = await stat(path);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Serves `path` (decoded, from the URL) from the folder; `false` when there is no such file. */
export async function serveFile(opts: StaticOptions, path: string, req: Request, reply: Reply): Promise<boolean> {
  if (path.includes('\0')) return false;
  const rel = normalize(`/${path}`).replace(/^[/\\]+/, '');
  if (rel.split(/[/\\]/).includes('..')) return false;
  const name = rel === '' || rel.endsWith('/') ? `${rel}index.html` : rel;
  const file = join(opts.root, name);
  if (file !== opts.root && !file.startsWith(opts.root.endsWith(sep) ? opts.root : opts.root + sep)) return false;
  const plain = await fileStat(file);
  if (!plain) return false;

  let served = { path: file, size: plain.size, mtime: plain.mtimeMs };
  let encoding: string | undefined;
  for (const e of ENCODINGS) {
    if (!accepts(req.headers['accept-encoding'], e.name)) continue;
    const s = await fileStat(file + e.ext);
    if (s) {
      served = { path: file + e.ext, size: s.size, mtime: s.mtimeMs };
      encoding = e.name;
      break;
    }
  }
  const etag = `W/"${served.size.toString(16)}-${Math.floor(served.mtime).toString(16)}"`;
  reply
    .type(TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream')
    .header('cache-control', opts.cacheControl(`/${name}`))
    .header('etag', etag)
    .header('last-modified', new Date(plain.mtimeMs).toUTCString())
    .header('vary', 'accept-encoding');
  if (encoding) reply.header('content-encoding', encoding);
  if (req.headers['if-none-match'] === etag) {
    reply.code(304).send();
    return true;
  }
  reply.header('content-length', served.size).send(createReadStream(served.path));
  return true;
}
