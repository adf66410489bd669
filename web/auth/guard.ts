/**
 * Who is asking, and may they: a Bearer API token (within its scope), or a session cookie whose
 * state-changing requests must also pass the CSRF checks (same Origin / Sec-Fetch-Site, and the
 * session's CSRF token in the X-CSRF-Token header). Runs before the body is read.
 */
import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors.ts';
import type { Request } from '../http/index.ts';
import type { ApiUserStore } from './api-users.ts';
import type { CredentialStore } from './credentials.ts';
import type { LoginLimiter } from './login-limiter.ts';
import { covers, neededScope, type RouteScope, type TokenScope } from './scopes.ts';
import { SESSION_COOKIE, type Session, type SessionStore } from './sessions.ts';

export type Principal =
  | { kind: 'session'; user: string; session: Session }
  | { kind: 'token'; user: string; tokenId: string; tokenName: string; scope: TokenScope }
  /** An API user of the 2N-style API, by HTTP Basic or Digest (web/auth/api-users.ts). */
  | { kind: 'api-user'; user: string; scope: TokenScope };

export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How the door log and the logs name who did something. */
export function principalName(p: Principal): string {
  if (p.kind === 'api-user') return `api:${p.user}`;
  return p.kind === 'session' ? `web:${p.user}` : `token:${p.tokenName}`;
}

export type AuthDeps = {
  credentials: CredentialStore;
  sessions: SessionStore;
  apiUsers?: ApiUserStore;
  /** Wrong Basic/Digest passwords count toward the login lockout of the address. */
  limiter?: LoginLimiter;
};

/** Returns the principal of an authenticated request, or the error to answer. */
export function authenticate(req: Request, deps: AuthDeps): Principal | ApiError {
  const auth = req.headers.authorization;
  if (auth !== undefined && /^(Basic|Digest)\s/i.test(auth)) {
    const locked = deps.limiter?.lockedFor(req.ip) ?? 0;
    if (locked > 0)
      return new ApiError('login_locked', 'too many wrong passwords from this address: wait', {
        retryAfter: Math.ceil(locked / 1000),
      });
    const r = deps.apiUsers?.authenticate(req);
    if (r?.ok) return { kind: 'api-user', user: r.user.user, scope: r.user.scope };
    if (r?.guess) deps.limiter?.failure(req.ip);
    return new ApiError('unauthorized', r?.reason ?? 'API users are not available', r?.stale ? { stale: true } : {});
  }
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const t = m ? deps.credentials.findToken(m[1]!) : undefined;
    if (!t) return new ApiError('invalid_token', 'the API token is not valid (revoked or mistyped)');
    return { kind: 'token', user: `token:${t.name}`, tokenId: t.id, tokenName: t.name, scope: t.scope };
  }
  const session = deps.sessions.get(req.cookies[SESSION_COOKIE]);
  if (!session) return new ApiError('unauthorized', 'log in first, or send an API token (Authorization: Bearer ...)');
  if (!SAFE.has(req.method)) {
    const bad = crossSite(req);
    if (bad) return bad;
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameSecret(sent, session.csrf))
      return new ApiError('csrf_failed', 'missing or wrong CSRF token: reload the page');
  }
  return { kind: 'session', user: session.user, session };
}

/** Refuses a token whose scope does not cover what the route needs (a session may do everything). */
export function authorize(p: Principal, method: string, declared: RouteScope | undefined): ApiError | undefined {
  if (p.kind === 'session') return undefined;
  const needed = neededScope(method, declared);
  if (needed === 'session')
    return new ApiError('session_required', 'this needs the admin logged in to the web UI, not an API token');
  if (!covers(p.scope, needed))
    return new ApiError('forbidden', `this API token has the ${p.scope} scope; this needs ${needed}`, {
      scope: p.scope,
      needed,
    });
  return undefined;
}

/**
 * Refuses a request a browser sent on behalf of another site: its Origin is not ours, or
 * Sec-Fetch-Site says cross-site / same-site. Requests without these headers (curl, scripts) pass.
 */
export function crossSite(req: Request): ApiError | undefined {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none')
    return new ApiError('csrf_failed', `cross-site request refused (Sec-Fetch-Site: ${site})`);
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `${req.protocol}://${req.headers.host}`)
    return new ApiError('csrf_failed', 'cross-site request refused (the Origin is not this device)');
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
