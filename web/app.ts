/**
 * One fastify instance serving the API and the UI (over HTTP, or HTTPS with the device
 * certificate): security headers, body limits, the auth guard before any body is read,
 * and the one error envelope for every failure.
 */
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { authenticate, authorize, crossSite, type RouteScope } from './auth/index.ts';
import { ApiError, errorBody, fromFastifyError } from './errors.ts';
import { securityHeaders } from './http-headers.ts';
import { type RouteContext, registerRoutes } from './routes/index.ts';

/** Limit of a JSON body (a whole config is about 25 KB); autop uploads have their own (1 MB). */
export const BODY_LIMIT = 64 * 1024;
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A route as registered: what the guard decides on (tests sweep over every one of them). */
export type RouteInfo = { method: string; url: string; public: boolean; scope?: RouteScope };
const ROUTES = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Every route the app has registered (API and UI), in registration order. */
export function routesOf(app: FastifyInstance): RouteInfo[] {
  return [...(ROUTES.get(app) ?? [])];
}

export async function buildApp(ctx: RouteContext, tls?: { key: string; cert: string }): Promise<FastifyInstance> {
  const secure = !!tls;
  const opts: FastifyServerOptions & { https?: { key: string; cert: string } } = {
    logger: false,
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 256 },
    ...(tls ? { https: tls } : {}),
  };
  const app = Fastify(opts) as unknown as FastifyInstance;
  const log = ctx.deps.log;
  const headers = securityHeaders(secure);

  const routes: RouteInfo[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (r) => {
    const config = r.config as { public?: boolean; scope?: RouteScope } | undefined;
    for (const method of [r.method].flat())
      routes.push({ method, url: r.url, public: !!config?.public, ...(config?.scope ? { scope: config.scope } : {}) });
  });

  await app.register(fastifyCookie);
  app.decorateRequest('principal', null);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Decided on the route that matched, not on the raw URL (`/%61pi/...` matches `/api/...` too).
  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url;
    if (route === undefined || !route.startsWith('/api/')) return; // no route (404), or the UI's static files
    if (req.routeOptions.config?.public) {
      if (!SAFE.has(req.method)) {
        const bad = crossSite(req);
        if (bad) throw bad;
      }
      return;
    }
    const p = authenticate(req, ctx);
    if (p instanceof ApiError) throw p;
    const denied = authorize(p, req.method, req.routeOptions.config?.scope);
    if (denied) throw denied;
    req.principal = p;
  });

  app.addHook('onSend', async (req, reply) => {
    reply.headers(headers);
    const route = req.routeOptions.url;
    if (route === undefined || route.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });

  app.addHook('preClose', async () => {
    for (const s of [...ctx.streams]) s.close();
    ctx.subscriptions.wakeAll();
  });

  app.setErrorHandler((err, req, reply) => {
    const api =
      err instanceof ApiError ? err : fromFastifyError(err as { statusCode?: number; code?: string; message: string });
    if (api.status >= 500) log.error({ err, method: req.method, url: req.url.split('?')[0] }, 'request failed');
    if (typeof api.details.retryAfter === 'number') reply.header('retry-after', String(api.details.retryAfter));
    if (api.status === 401) {
      const challenges = ctx.apiUsers.challenges(api.details.stale === true); // Basic/Digest API users (2N style)
      if (challenges.length) reply.header('www-authenticate', challenges);
    }
    reply.status(api.status).send(errorBody(api));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody(new ApiError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`)));
  });

  await registerRoutes(app, ctx, secure);
  return app;
}

/** With HTTPS on, the HTTP port only redirects to it. */
export function buildRedirectApp(httpsPort: number, fallbackHost: string): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024, forceCloseConnections: 'idle' }) as unknown as FastifyInstance;
  const redirect = (url: string, host: string | undefined) => {
    const name = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d+)?$/.exec(host ?? '')?.[1] ?? fallbackHost;
    return `https://${name}:${httpsPort}${url}`;
  };
  app.all('/*', async (req, reply) => reply.redirect(redirect(req.url, req.headers.host), 308));
  app.all('/', async (req, reply) => reply.redirect(redirect(req.url, req.headers.host), 308));
  return app;
}
