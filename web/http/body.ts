/**
 * Request bodies: read up to a limit (413 past it, without reading the rest), parsed by content
 * type (JSON, text, octet-stream bytes; 415 for anything else), JSON refusing `__proto__` and
 * `constructor.prototype` keys (so that no merge of a body can reach Object.prototype).
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../errors.ts';

/** How a route takes its body: parsed in full, or an octet-stream upload as the stream itself. */
export type BodyMode = 'parse' | 'stream';

const tooLarge = () => new ApiError('payload_too_large', 'the request body is too large');

function mediaType(req: IncomingMessage): string | undefined {
  return req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function poisonFree(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new ApiError('invalid_body', 'the body has a forbidden key: __proto__');
  if (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value)
    throw new ApiError('invalid_body', 'the body has a forbidden key: constructor.prototype');
  return value;
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') throw new ApiError('invalid_body', 'the body is empty');
  try {
    return JSON.parse(text, poisonFree);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('invalid_body', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.pause(); // the rest is not read: the answer closes the connection
        reject(tooLarge());
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      done();
      reject(new ApiError('bad_request', `the request body was cut: ${err.message}`));
    };
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onAborted = () => onError(new Error('aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** The body of a request (undefined when there is none); throws the ApiError to answer. */
export async function readBody(req: IncomingMessage, limit: number, mode: BodyMode = 'parse'): Promise<unknown> {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return undefined;
  const type = mediaType(req);
  if (type === 'application/octet-stream' && mode === 'stream') return req; // the route reads it (and its limit)
  if (!hasBody(req)) {
    if (type === 'application/json' && req.headers['content-length'] === '0')
      throw new ApiError('invalid_body', 'the body is empty');
    return undefined;
  }
  const parse =
    type === 'application/json' || type?.endsWith('+json')
      ? (b: Buffer) => parseJson(b.toString('utf8'))
      : type === 'text/plain'
        ? (b: Buffer) => b.toString('utf8')
        : type === 'application/octet-stream'
          ? (b: Buffer) => b
          : undefined;
  if (!parse) throw new ApiError('unsupported_media_type', 'unsupported content type: send application/json');
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  return parse(await readAll(req, limit));
}
