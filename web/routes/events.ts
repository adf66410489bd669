/**
 * Live events: /api/v1/events is a Server-Sent Events stream of the bus (the UI uses it);
 * /api/v1/log/subscribe + /api/v1/log/pull (long poll) + /api/v1/log/unsubscribe are the
 * 2N-style API integrators already script against.
 */
import * as z from '../../core/zod.ts';
import { principalName } from '../auth/index.ts';
import { ApiError, ok } from '../errors.ts';
import type { FeedEvent } from '../events/index.ts';
import type { HttpApp, Request } from '../http/index.ts';
import { securityHeaders } from '../http-headers.ts';
import { parse, principalOf, type RouteContext, type Stream } from './context.ts';

const HEARTBEAT_MS = 15_000;
/**
 * Bytes a stream may have waiting for its client: one that does not read (gone without a FIN,
 * stalled) is cut off there rather than buffered without end; a live client reconnects with
 * Last-Event-ID and gets what is still in the feed's ring.
 */
const MAX_STREAM_BACKLOG = 256 * 1024;

const filterOf = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .slice(0, 32);

const matches = (filter: string[], event: string) =>
  filter.length === 0 || filter.some((f) => (f.endsWith('.*') ? event.startsWith(f.slice(0, -1)) : f === event));

const subscribeQuery = z.object({
  filter: z.optional(z.string().check(z.maxLength(1024))),
  duration: z._default(
    z.coerce
      .number({ error: 'must be a number' })
      .check(z.int(), z.gte(1, { error: 'must be at least 1' }), z.lte(3600, { error: 'must be at most 3600' })),
    90,
  ),
});
const pullQuery = z.object({
  id: z.string().check(z.maxLength(64)),
  timeout: z._default(
    z.coerce
      .number({ error: 'must be a number' })
      .check(z.gte(0, { error: 'must be at least 0' }), z.lte(60, { error: 'must be at most 60' })),
    0,
  ),
});
const idQuery = z.object({ id: z.string().check(z.maxLength(64)) });

/** 2N's event shape. */
const view = (e: FeedEvent) => ({
  id: e.id,
  utcTime: Math.floor(e.at / 1000),
  at: e.at,
  event: e.event,
  params: e.data,
});

export function eventRoutes(app: HttpApp, ctx: RouteContext, secure: boolean): void {
  const { clock } = ctx.deps;

  app.get<{ Querystring: { events?: string } }>('/api/v1/events', (req, reply) => {
    const p = principalOf(req);
    const filter = filterOf(req.query.events);
    const lastId = Number(req.headers['last-event-id'] ?? Number.NaN);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...securityHeaders(secure),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    if (req.method === 'HEAD') return void res.end(); // the head only (a HEAD never gets the stream's writes)
    const write = (text: string) => {
      if (res.destroyed) return;
      if (res.writableLength > MAX_STREAM_BACKLOG) res.destroy();
      else res.write(text);
    };
    const send = (e: FeedEvent) => {
      if (matches(filter, e.event)) write(`id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    };
    // `hello` tells the client where the feed is, so that it can fetch a snapshot and then apply events.
    res.write(`retry: 3000\nevent: hello\ndata: ${JSON.stringify({ lastId: ctx.feed.lastId })}\n\n`);
    if (Number.isFinite(lastId)) for (const e of ctx.feed.since(lastId)) send(e);
    const off = ctx.feed.listen(send);
    let timer = clock.setTimeout(function beat() {
      // a stream lives as long as its session (logged out, expired, password changed: it ends)
      if (p.kind === 'session' && !ctx.sessions.alive(p.session.key)) return void res.end();
      write(': ping\n\n');
      timer = clock.setTimeout(beat, HEARTBEAT_MS);
    }, HEARTBEAT_MS);
    const stream: Stream = {
      ...(p.kind === 'session' ? { sessionKey: p.session.key } : {}),
      close: () => res.end(),
    };
    ctx.streams.add(stream);
    res.on('close', () => {
      off();
      clock.clearTimeout(timer);
      ctx.streams.delete(stream);
    });
  });

  /** GET is there for 2N-style scripts with a token; a browser session must POST (CSRF-checked). */
  const owner = (req: Request) => {
    const p = principalOf(req);
    if (req.method === 'GET' && p.kind === 'session')
      throw new ApiError('method_not_allowed', 'from a browser session, use POST');
    return principalName(p);
  };

  const subscribe = async (req: Request) => {
    const q = parse(subscribeQuery, req.query, 'query');
    const r = ctx.subscriptions.subscribe(owner(req), filterOf(q.filter), q.duration);
    if (!r.ok) throw new ApiError('too_many', r.reason);
    return ok({ id: r.id, duration: q.duration });
  };
  app.get('/api/v1/log/subscribe', subscribe);
  app.post('/api/v1/log/subscribe', { config: { scope: 'read' } }, subscribe);

  app.get('/api/v1/log/pull', async (req) => {
    const q = parse(pullQuery, req.query, 'query');
    const pending = ctx.subscriptions.pull(q.id, principalName(principalOf(req)), q.timeout * 1000);
    if (!pending) throw new ApiError('not_found', `no subscription ${q.id} (expired, or made by someone else)`);
    const { events, dropped } = await pending;
    return ok({ events: events.map(view), dropped });
  });

  const unsubscribe = async (req: Request) => {
    const q = parse(idQuery, req.query, 'query');
    if (!ctx.subscriptions.unsubscribe(q.id, owner(req))) throw new ApiError('not_found', `no subscription ${q.id}`);
    return ok({ id: q.id });
  };
  app.get('/api/v1/log/unsubscribe', unsubscribe);
  app.post('/api/v1/log/unsubscribe', { config: { scope: 'read' } }, unsubscribe);
}
