/**
 * The 2N HTTP API subset (`/api/<service>/<function>`) that Home Assistant's 2N integration
 * (py2n) and integrators' drivers use, at 2N's paths with 2N's envelope, error codes and event
 * names (docs/2n-api.md). It is a view over the device's own services: relays go through the door
 * owner (method `api`, the caller as actor), calls through the SIP engine, events through the one
 * event feed and its pull subscriptions. Authentication is the guard's: an API user by HTTP Basic or
 * Digest (web/auth/api-users.ts), an API token, or the admin's session.
 */
import { principalName, type RouteScope } from '../../auth/index.ts';
import { ok } from '../../errors.ts';
import type { HttpApp, Request } from '../../http/index.ts';
import { principalOf, type RouteContext } from '../context.ts';
import { apiUserRoutes } from './api-users.ts';
import { callRoutes2n } from './call.ts';
import { TwoNFailure } from './envelope.ts';
import { ioRoutes2n } from './io.ts';
import { logRoutes2n } from './log.ts';
import { switchRoutes2n } from './switch.ts';
import { systemRoutes2n } from './system.ts';

export type Handler = (req: Request) => unknown | Promise<unknown>;

/** Registers a 2N function for GET and POST (as 2N devices accept both), or only the methods given. */
export type Define = (path: string, scope: RouteScope, handler: Handler, methods?: ('GET' | 'POST')[]) => void;

/** The actor of the door log and the logs: `api:<user>` for an API user, `token:<name>`, `web:admin`. */
export const actorOf = (req: Request) => principalName(principalOf(req));

/**
 * A function that changes something, called from the admin's browser session by GET: refused
 * (error 3), since a GET carries no CSRF token. Scripts use Basic, Digest or a token.
 */
export function changeAllowed(req: Request): void {
  if (req.method === 'GET' && principalOf(req).kind === 'session') throw new TwoNFailure(3, undefined, 'use POST');
}

export function twoNRoutes(app: HttpApp, ctx: RouteContext): void {
  const define: Define = (path, scope, handler, methods = ['GET', 'POST']) => {
    const run = async (req: Request) => {
      try {
        return ok(await handler(req));
      } catch (err) {
        if (err instanceof TwoNFailure) return err.body;
        throw err;
      }
    };
    app.route(methods, `/api/${path}`, { config: { scope } }, run);
  };
  systemRoutes2n(define, ctx);
  switchRoutes2n(define, ctx);
  ioRoutes2n(define, ctx);
  callRoutes2n(define, ctx);
  logRoutes2n(define, ctx);
  define('camera/caps', 'read', () => ({ jpegResolution: [], sources: [] }));
  apiUserRoutes(app, ctx);
}
