/**
 * The web server's app, serving the API and the UI (over HTTP, or HTTPS with the device
 * certificate): security headers, body limits, the auth guard before any body is read,
 * and the one error envelope for every failure.
 */
import { authenticate, authorize, crossSite } from './auth/index.ts';
import { ApiError, errorBody, noRoute } from './errors.ts';
import { HttpApp } from './http/index.ts';
import { securityHeaders } from './http-headers.ts';
import { type RouteContext, registerRoutes } from './routes/index.ts';

export type { RouteInfo } from './http/index.ts';

/** Limit of a JSON body (a whole config is about 25 KB); autop uploads have their own (1 MB). */
export const BODY_LIMIT = 64 * 1024;
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function buildApp(ctx: RouteContext, tls?: { key: string; cert: string }): Promise<HttpApp> {
  const secure = !!tls;
  const log = ctx.deps.log;
  const headers = securityHeaders(secure);

  const app = new HttpApp({
    bodyLimit: BODY_LIMIT,
    maxParamLength: 256,
    ...(tls ? { tls } : {}),
    // Decided on the route that matched, not on the raw URL (`/%61pi/...` matches `/api/...` too).
    onRequest(req) {
      const route = req.routeOptions.url;
      if (route === undefined || !route.startsWith('/api/')) return; // the UI's static files
      if (req.routeOptions.config.public) {
        if (!SAFE.has(req.method)) {
          const bad = crossSite(req);
          if (bad) throw bad;
        }
        return;
      }
      const p = authenticate(req, ctx);
      if (p instanceof ApiError) throw p;
      const denied = authorize(p, req.method, req.routeOptions.config.scope);
      if (denied) throw denied;
      req.principal = p;
    },
    onSend(req, reply) {
      reply.headers(headers);
      const route = req.routeOptions.url;
      if (route === undefined || route.startsWith('/api/')) reply.header('cache-control', 'no-store');
    },
    onError(err, req, reply) {
      // anything else is a bug: answered without its details (the log has them)
      const api = err instanceof ApiError ? err : new ApiError('internal', 'internal error');
      if (api.status >= 500) log.error({ err, method: req.method, url: req.url.split('?')[0] }, 'request failed');
      if (typeof api.details.retryAfter === 'number') reply.header('retry-after', String(api.details.retryAfter));
      if (api.status === 401) {
        const challenges = ctx.apiUsers.challenges(api.details.stale === true); // Basic/Digest API users (2N style)
        if (challenges.length) reply.header('www-authenticate', challenges);
      }
      reply.code(api.status).send(errorBody(api));
    },
    notFound(req, reply) {
      reply.code(404).send(errorBody(noRoute(req)));
    },
    onLateError(err, req) {
      log.error({ err, method: req.method, url: req.url.split('?')[0] }, 'request failed after its answer');
    },
  });
  await registerRoutes(app, ctx, secure);
  return app;
}

/** With HTTPS on, the HTTP port only redirects to it. */
export function buildRedirectApp(httpsPort: number, fallbackHost: string): HttpApp {
  const redirect = (url: string, host: string | undefined) => {
    const name = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d+)?$/.exec(host ?? '')?.[1] ?? fallbackHost;
    return `https://${name}:${httpsPort}${url}`;
  };
  const app = new HttpApp({
    bodyLimit: 1024,
    onError: (_err, _req, reply) => reply.code(500).send(),
    notFound: (req, reply) => reply.redirect(redirect(req.url, req.headers.host), 308),
  });
  app.all('/*', async (req, reply) => reply.redirect(redirect(req.url, req.headers.host), 308));
  return app;
}
