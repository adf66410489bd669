/**
 * Job documents: what the cloud asks a device to do, published on `jobs/<jobId>`. A document is
 * `{"type": "...", ...its fields, "notBefore"?: ISO 8601, "expiresAt"?: ISO 8601}`; unknown fields
 * are refused, so a typo is an error rather than a silently ignored setting.
 */
import * as z from './zod.ts';

/** Largest job payload accepted (bytes of JSON). */
export const MAX_JOB_BYTES = 64 * 1024;
export const MAX_TITLE = 64;
export const MAX_MESSAGE_TEXT = 1000;
export const REBOOT_MAX_WAIT_DEFAULT = 300;

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-12-01T03:00:00Z' });
const sha256 = z.string().check(z.regex(/^[0-9a-fA-F]{64}$/, { error: 'must be 64 hex digits (SHA-256)' }));
const httpUrl = z
  .string()
  .check(z.regex(/^https?:\/\/\S+$/, { error: 'must be an http:// or https:// URL' }), z.maxLength(2048));
/** Plain text: no control characters but new lines. */
const plain = (max: number) =>
  z.string({ error: 'must be text' }).check(
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(max, { error: `must be at most ${max} characters` }),
    z.refine((v: string) => !hasControlChars(v), {
      error: 'must be plain text (no control characters)',
    }),
  );

/** Control characters other than the new line (they would break displays and logs). */
function hasControlChars(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a) || c === 0x7f) return true;
  }
  return false;
}

const timing = { notBefore: z.optional(isoTime), expiresAt: z.optional(isoTime) };

export const autopJob = z
  .strictObject({
    type: z.literal('autop'),
    /** Autop text (`Key = Value` lines); "" with `once` absent clears the standing commands. */
    lines: z.optional(z.string({ error: 'must be text' }).check(z.maxLength(MAX_JOB_BYTES))),
    /** Or a file to fetch, checked against its SHA-256. */
    url: z.optional(httpUrl),
    sha256: z.optional(sha256),
    /** Apply one time ("Once Autop"); without it the lines are the cloud's standing commands. */
    once: z.optional(z.boolean()),
    ...timing,
  })
  .check(
    z.superRefine((j, ctx) => {
      if ((j.lines === undefined) === (j.url === undefined))
        ctx.addIssue({ code: 'custom', path: ['lines'], message: 'give either lines or url (with sha256)' });
      if (j.url !== undefined && j.sha256 === undefined)
        ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'is required with url' });
    }),
  );

export const rebootJob = z.strictObject({
  type: z.literal('reboot'),
  /** Seconds to wait for the calls in progress to end; after that the device restarts anyway. */
  maxWait: z.optional(z.number().check(z.int(), z.gte(0), z.lte(3600))),
  ...timing,
});

export const messageJob = z.strictObject({
  type: z.literal('message'),
  title: plain(MAX_TITLE),
  text: plain(MAX_MESSAGE_TEXT),
  ...timing,
});

export const firmwareJob = z.strictObject({
  type: z.literal('firmware'),
  url: httpUrl,
  version: z.string().check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(64)),
  sha256: z.optional(sha256),
  ...timing,
});

export const remoteWebJob = z.strictObject({
  type: z.literal('remote-web'),
  /** Seconds the session lasts (default 900). */
  ttl: z.optional(z.number().check(z.int(), z.gte(10), z.lte(3600))),
  ...timing,
});

export const JOB_TYPES = ['autop', 'reboot', 'message', 'firmware', 'remote-web'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const jobDocument = z.discriminatedUnion('type', [autopJob, rebootJob, messageJob, firmwareJob, remoteWebJob], {
  error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${JOB_TYPES.join(', ')}` : undefined),
});

export type AutopJob = z.infer<typeof autopJob>;
export type RebootJob = z.infer<typeof rebootJob>;
export type MessageJob = z.infer<typeof messageJob>;
export type FirmwareJob = z.infer<typeof firmwareJob>;
export type RemoteWebJob = z.infer<typeof remoteWebJob>;
export type JobDocument = z.infer<typeof jobDocument>;

export type ParsedJob = { ok: true; job: JobDocument } | { ok: false; error: string };

/** Reads a job payload: size, JSON, shape; the error names the problem (`title: must not be empty`). */
export function parseJob(payload: Buffer | string): ParsedJob {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > MAX_JOB_BYTES) return { ok: false, error: `payload: ${size} bytes, at most ${MAX_JOB_BYTES}` };
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString());
  } catch (err) {
    return { ok: false, error: `payload: not JSON (${(err as Error).message})` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, error: 'payload: must be a JSON object' };
  const r = jobDocument.safeParse(raw);
  if (!r.success) return { ok: false, error: describeIssues(r.error) };
  return { ok: true, job: r.data };
}

/** `title: must not be empty; text: must be text`. */
export function describeIssues(err: z.core.$ZodError): string {
  return err.issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      if (i.code === 'unrecognized_keys') return `${i.keys.join(', ')}: not a field of this job type`;
      const missing = i.code === 'invalid_type' && i.input === undefined;
      return `${path || 'job'}: ${missing ? 'is required' : i.message}`;
    })
    .join('; ');
}
