/**
 * tftp:// files: a read-request client (RFC 1350, octet mode) with the tsize and blksize options
 * (RFC 2347/2348/2349): a server that tells the size of a file over the limit is answered with an
 * error before any data; one that does not is cut off as soon as the data passes the limit. Lost
 * packets are sent again every second; the whole transfer has a deadline. "File not found" is a
 * missing file. The path of the URL, without its leading slash, is the file name asked for.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { FetchError, type FetchOptions, type FetchResult, networkError, timedOut, tooLarge } from './fetch-types.ts';

const OP = { RRQ: 1, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;
const BLKSIZE = 1428;
const RETRY_MS = 1000;

export async function fetchTftp(url: URL, opts: FetchOptions): Promise<FetchResult> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : 69;
  let address: { address: string; family: number };
  try {
    address = await lookup(host);
  } catch (err) {
    throw networkError(err, url);
  }
  const file = decodeURIComponent(url.pathname).replace(/^\//, '');
  if (!file) throw new FetchError(`${url.href}: no file name`, 'protocol');
  return transfer(url, address, port, file, opts);
}

function transfer(
  url: URL,
  to: { address: string; family: number },
  port: number,
  file: string,
  opts: FetchOptions,
): Promise<FetchResult> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(to.family === 6 ? 'udp6' : 'udp4');
    const chunks: Buffer[] = [];
    let total = 0;
    let blksize = 512;
    let expected = 1;
    let peer: { address: string; port: number } | undefined;
    let last = rrq(file);
    let lastTo = { address: to.address, port };
    let done = false;
    let retry: NodeJS.Timeout | undefined;

    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(retry);
      clearTimeout(deadline);
      sock.close();
      fn();
    };
    const send = (buf: Buffer, dest = lastTo) => {
      last = buf;
      lastTo = dest;
      sock.send(buf, dest.port, dest.address);
      clearTimeout(retry);
      retry = setTimeout(resend, RETRY_MS);
    };
    const resend = () => {
      if (done) return;
      sock.send(last, lastTo.port, lastTo.address);
      retry = setTimeout(resend, RETRY_MS);
    };
    const abort = (code: number, message: string, err: Error) => {
      if (peer) sock.send(errorPacket(code, message), peer.port, peer.address);
      finish(() => reject(err));
    };
    const deadline = setTimeout(() => finish(() => reject(timedOut(url, opts.timeoutMs))), opts.timeoutMs);

    sock.on('error', (err) => finish(() => reject(networkError(err, url))));
    sock.on('message', (msg: Buffer, from: RemoteInfo) => {
      if (done || msg.length < 4 || from.address !== to.address) return;
      if (!peer) peer = { address: from.address, port: from.port };
      else if (from.port !== peer.port) {
        sock.send(errorPacket(5, 'Unknown transfer ID'), from.port, from.address);
        return;
      }
      const op = msg.readUInt16BE(0);
      if (op === OP.ERROR) {
        const code = msg.readUInt16BE(2);
        const text = msg.subarray(4).toString('utf8').replace(/\0.*$/s, '');
        if (code === 1) return finish(() => resolve({ kind: 'missing', reason: `TFTP: ${text || 'file not found'}` }));
        return finish(() =>
          reject(new FetchError(`TFTP error ${code} from ${url.host}: ${text || 'no message'}`, 'protocol')),
        );
      }
      if (op === OP.OACK && expected === 1 && total === 0) {
        const o = options(msg.subarray(2));
        const tsize = Number(o.tsize);
        if (Number.isFinite(tsize) && tsize > opts.maxBytes)
          return abort(3, 'file too large', tooLarge(url, opts.maxBytes));
        if (o.blksize) blksize = Number(o.blksize);
        return send(ack(0), peer);
      }
      if (op === OP.DATA) {
        const block = msg.readUInt16BE(2);
        if (block === expected) {
          const data = msg.subarray(4);
          total += data.length;
          if (total > opts.maxBytes) return abort(3, 'file too large', tooLarge(url, opts.maxBytes));
          chunks.push(Buffer.from(data));
          send(ack(block), peer);
          expected = (expected + 1) & 0xffff;
          if (data.length < blksize) finish(() => resolve({ kind: 'ok', data: Buffer.concat(chunks) }));
        } else if (block === ((expected - 1) & 0xffff)) {
          send(ack(block), peer); // our ACK was lost: say it again
        }
        return;
      }
    });
    send(last);
  });
}

function rrq(file: string): Buffer {
  const parts = [file, 'octet', 'tsize', '0', 'blksize', String(BLKSIZE)];
  const body = Buffer.from(`${parts.join('\0')}\0`, 'utf8');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(OP.RRQ);
  return Buffer.concat([head, body]);
}

function ack(block: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(OP.ACK, 0);
  b.writeUInt16BE(block, 2);
  return b;
}

function errorPacket(code: number, message: string): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(OP.ERROR, 0);
  head.writeUInt16BE(code, 2);
  return Buffer.concat([head, Buffer.from(`${message}\0`)]);
}

function options(buf: Buffer): Record<string, string> {
  const parts = buf.toString('utf8').split('\0');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) out[(parts[i] as string).toLowerCase()] = parts[i + 1] as string;
  return out;
}
