/**
 * An HTTP or HTTPS file server on 127.0.0.1 for provisioning tests: serves `files` (changeable
 * between requests), and per path a behaviour a bad server has: hang (never answers), huge (an
 * endless body, with or without Content-Length), redirect, a status code. Every request is logged.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';

export type Behaviour =
  | { hang: true }
  | { huge: 'with-length' | 'chunked' }
  | { redirect: string }
  | { status: number };

export type FileServer = {
  port: number;
  /** `http://127.0.0.1:<port>` or `https://...` */
  base: string;
  files: Map<string, string | Buffer>;
  behaviours: Map<string, Behaviour>;
  /** Paths asked for, in order. */
  requests: string[];
  /** Bytes of huge bodies actually written (the client must stop reading early). */
  hugeBytesSent: () => number;
  close(): Promise<void>;
};

export type Tls = { key: string; cert: string };

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl in `dir`. */
export function makeCertificate(dir: string): Tls & { certFile: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=Portier test CA'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:TRUE'],
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8'), certFile: cert };
}

export async function startFileServer(opts: { tls?: Tls; port?: number } = {}): Promise<FileServer> {
  const files = new Map<string, string | Buffer>();
  const behaviours = new Map<string, Behaviour>();
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let hugeSent = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const b = behaviours.get(path);
    if (b && 'hang' in b) return; // never answers
    if (b && 'status' in b) {
      res.writeHead(b.status).end();
      return;
    }
    if (b && 'redirect' in b) {
      res.writeHead(302, { location: b.redirect }).end();
      return;
    }
    if (b && 'huge' in b) {
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      res.writeHead(200, b.huge === 'with-length' ? { 'content-length': String(1024 * 1024 * 1024) } : {});
      const pump = () => {
        while (!res.destroyed && hugeSent < 1024 * 1024 * 1024) {
          hugeSent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
      return;
    }
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  };
  const server: Server = opts.tls
    ? createHttps({ key: opts.tls.key, cert: opts.tls.cert }, handler)
    : createHttp(handler);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    base: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    files,
    behaviours,
    requests,
    hugeBytesSent: () => hugeSent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
