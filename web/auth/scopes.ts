/**
 * What an API token may do. A token gets one scope at creation; a route declares the scope it
 * needs in its route config (`{ config: { scope: 'door' } }`). A route that declares nothing
 * needs `read` for GET/HEAD and `admin` for anything else (safe by default). `session` routes
 * (admin password, API tokens, export with secrets) are for the admin's logged-in session only.
 */

/** The scopes a token can have, weakest first. */
export const TOKEN_SCOPES = ['read', 'door', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** What a route may need: a token scope, or a logged-in session. */
export type RouteScope = TokenScope | 'session';

const RANK: Record<RouteScope, number> = { read: 0, door: 1, admin: 2, session: 3 };
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isTokenScope = (v: unknown): v is TokenScope => TOKEN_SCOPES.includes(v as TokenScope);

/** The scope a route needs: what it declares, else `read` for a read and `admin` for a change. */
export function neededScope(method: string, declared: RouteScope | undefined): RouteScope {
  return declared ?? (SAFE.has(method) ? 'read' : 'admin');
}

/** Does a token of scope `has` cover what a route needs? (A session covers everything.) */
export function covers(has: TokenScope, needed: RouteScope): boolean {
  return RANK[has] >= RANK[needed];
}
