/** What every route group is given, and the small helpers they share. */
import type * as z from '../../core/zod.ts';
import type { ApiUserStore, CredentialStore, LoginLimiter, Principal, SessionStore } from '../auth/index.ts';
import type { WebDeps } from '../deps.ts';
import { ApiError, unavailable } from '../errors.ts';
import type { EventFeed, Subscriptions } from '../events/index.ts';
import type { Request } from '../http/index.ts';

/** A live stream (SSE) the server ends on close or when its session logs out. */
export type Stream = { sessionKey?: string; close(): void };

export type RouteContext = {
  deps: WebDeps;
  credentials: CredentialStore;
  sessions: SessionStore;
  /** API users of the 2N-style API (HTTP Basic and Digest). */
  apiUsers: ApiUserStore;
  limiter: LoginLimiter;
  feed: EventFeed;
  subscriptions: Subscriptions;
  streams: Set<Stream>;
  /** The device's HTTPS certificate (its SHA-256 fingerprint): made after the server listens, if not there yet. */
  certificate: () => Promise<{ fingerprint256: string } | undefined>;
  startedAt: number;
};

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new ApiError('unauthorized', 'log in first');
  return req.principal;
}

/** Parses a body or query with a zod schema; a mismatch is a 400 naming each field. */
export function parse<S extends z.ZodMiniType>(schema: S, value: unknown, what = 'body'): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => ({ key: i.path.join('.') || what, message: i.message }));
  throw new ApiError('invalid_body', `invalid ${what}: ${problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`, {
    problems,
  });
}

/** The service, or a 503 saying that it is not running. */
export function need<K extends keyof WebDeps['services']>(
  ctx: RouteContext,
  name: K,
  what: string,
): NonNullable<WebDeps['services'][K]> {
  const s = ctx.deps.services[name];
  if (!s) throw unavailable(what);
  return s as NonNullable<WebDeps['services'][K]>;
}
