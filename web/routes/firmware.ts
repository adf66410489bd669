/**
 * /api/v1/firmware: firmware updates (agent/firmware, RAUC with A/B slots).
 * GET (read scope): the running version, RAUC's slots (booted, good/bad, version written), this
 * boot's health checks, and the update in progress or the last one (step, percent, error).
 * POST (admin scope): an update from a URL (JSON `{"url", "version"?, "sha256"?}`) or an upload
 * (the bundle as `application/octet-stream`, `?version=&sha256=` optional, streamed to a file of
 * its own on the data disk, `<dataDir>/firmware/upload-<random>.raucb`: two uploads at the same time
 * never share a file, and the one refused removes only its own); answers 202 with the update's
 * first state, 409 while another update runs. The updater removes the file after the install, when
 * the update fails or is cancelled, and (left by a cut) at its next start. Progress: GET again, or
 * the events stream (`firmware.update` events: each step and percent).
 * DELETE (admin scope): cancels the update in progress while it waits for a call, downloads or
 * verifies (200 with its final state, step `canceled`); 409 with the reason when none runs or RAUC
 * has started writing the slot.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  FINAL_STEPS,
  FirmwareBusy,
  FirmwareNotCancelable,
  FirmwareUnavailable,
  type UpdateRequest,
} from '../../agent/firmware/index.ts';
import * as z from '../../core/zod.ts';
import { ApiError, ok } from '../errors.ts';
import type { HttpApp } from '../http/index.ts';
import { need, parse, type RouteContext } from './context.ts';

/** The largest bundle an upload may carry. */
export const FIRMWARE_UPLOAD_LIMIT = 1024 * 1024 * 1024;

const sha256 = z.string().check(z.regex(/^[0-9a-fA-F]{64}$/, { error: 'must be 64 hex digits (SHA-256)' }));
const version = z.string().check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(64));
const fromUrl = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  version: z.optional(version),
  sha256: z.optional(sha256),
});
const uploadQuery = z.strictObject({ version: z.optional(version), sha256: z.optional(sha256) });

export function firmwareRoutes(app: HttpApp, ctx: RouteContext): void {
  app.get('/api/v1/firmware', { config: { scope: 'read' } }, async () =>
    ok(await need(ctx, 'firmware', 'firmware updates').status()),
  );

  app.delete('/api/v1/firmware', { config: { scope: 'admin' } }, async (req) => {
    const fw = need(ctx, 'firmware', 'firmware updates');
    const by = sourceOf(req.headers) === 'ui' ? 'in the web UI' : 'through the API';
    try {
      return ok(await fw.cancel(`cancelled ${by}`));
    } catch (err) {
      if (err instanceof FirmwareNotCancelable) throw new ApiError('conflict', err.message);
      throw err;
    }
  });

  // An upload is streamed to the data disk (body: 'stream': an octet-stream body is the request stream),
  // to a file of its own: the busy check below passes for uploads that run at the same time, and
  // the one whose begin() is refused then removes its file, not the one the winning update uses.
  app.post('/api/v1/firmware', { config: { scope: 'admin' }, body: 'stream' }, async (req, reply) => {
    const fw = need(ctx, 'firmware', 'firmware updates');
    if (!fw.available) throw new ApiError('conflict', `firmware updates are not possible: ${fw.reason}`);
    if (fw.current() && !FINAL_STEPS.includes(fw.current()?.step ?? 'done'))
      throw new ApiError('conflict', `an update is already in progress (${fw.current()?.step})`);
    let request: UpdateRequest;
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim();
    if (type === 'application/octet-stream') {
      const q = parse(uploadQuery, req.query, 'query');
      const dir = join(ctx.deps.dataDir, 'firmware');
      const file = join(dir, `upload-${randomBytes(8).toString('hex')}.raucb`);
      await mkdir(dir, { recursive: true });
      await saveUpload(req.body as NodeJS.ReadableStream, file);
      request = { source: sourceOf(req.headers), file, ...q };
    } else {
      request = { source: sourceOf(req.headers), ...parse(fromUrl, req.body) };
    }
    try {
      const update = await fw.begin(request);
      return reply.code(202).send(ok(update));
    } catch (err) {
      if (request.file) await rm(request.file, { force: true });
      if (err instanceof FirmwareBusy || err instanceof FirmwareUnavailable)
        throw new ApiError('conflict', err.message);
      throw err;
    }
  });
}

/** The web UI says so in a header (the update record shows where it came from). */
function sourceOf(headers: Record<string, unknown>): UpdateRequest['source'] {
  return headers['x-portier-ui'] ? 'ui' : 'api';
}

/** Streams the body to `file` (a new file: `wx`, never one that exists); removes it when the upload fails. */
async function saveUpload(body: NodeJS.ReadableStream, file: string): Promise<void> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > FIRMWARE_UPLOAD_LIMIT) done(new ApiError('payload_too_large', 'the bundle is too large'));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(body, limit, createWriteStream(file, { flags: 'wx' }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // a file of that name is another upload's (64 random bits: not seen in practice); it is left alone
    if (e.code === 'EEXIST') throw new ApiError('conflict', 'another upload uses the same file name: send it again');
    await rm(file, { force: true });
    if (err instanceof ApiError) throw err;
    if (e.code === 'ENOSPC') throw new ApiError('conflict', 'no space left on the data disk for the bundle');
    throw new ApiError('bad_request', `the upload was cut: ${e.message}`);
  }
  if (bytes === 0) {
    await rm(file, { force: true });
    throw new ApiError('invalid_body', 'the upload is empty: send the bundle as the request body');
  }
}
