/**
 * 2N Logging API: /api/log/caps, /api/log/subscribe?filter=&duration=&include=new,
 * /api/log/pull?id=&timeout=, /api/log/unsubscribe?id=. A subscription is one of the event feed's
 * pull subscriptions (web/events), listening to the bus events its 2N events come from; a pull
 * translates what arrived (events.ts) and waits on while nothing of the filter came yet. Ids are
 * numbers, as 2N gives them; a subscription is its owner's.
 */
import { randomInt } from 'node:crypto';
import type { Request } from '../../http/index.ts';
import type { RouteContext } from '../context.ts';
import { callSessions } from './call.ts';
import { paramsOf, TwoNFailure, uint } from './envelope.ts';
import { BUS_EVENTS, TWO_N_EVENTS, type TwoNEvent, type TwoNEventName, toTwoN } from './events.ts';
import { actorOf, type Define } from './index.ts';

/** 2N pulls give at most this many events at a time. */
const BATCH = 128;

type Channel = {
  sub: string;
  owner: string;
  filter: TwoNEventName[];
  backlog: TwoNEvent[];
  durationMs: number;
  /** When the feed's subscription expires if not pulled (it is then forgotten here too). */
  expiresAt: number;
};

export function logRoutes2n(define: Define, ctx: RouteContext): void {
  const channels = new Map<number, Channel>();
  const sessions = callSessions(ctx);
  const { clock } = ctx.deps;

  define('log/caps', 'read', () => ({ events: [...TWO_N_EVENTS] }));

  define('log/subscribe', 'read', (req) => {
    const p = paramsOf(req);
    const include = p.include ?? 'new';
    if (include !== 'new') throw new TwoNFailure(12, 'include', 'only new events can be subscribed (include=new)');
    const duration = uint(p, 'duration', 1, 3600, 90);
    const names = (p.filter ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.find((n) => !TWO_N_EVENTS.includes(n as TwoNEventName));
    if (unknown) throw new TwoNFailure(12, 'filter', `no event ${unknown} (see /api/log/caps)`);
    const filter = (names.length ? names : [...TWO_N_EVENTS]) as TwoNEventName[];
    const bus = [...new Set(filter.flatMap((n) => BUS_EVENTS[n]))];
    const owner = actorOf(req);
    const now = clock.now();
    for (const [id, ch] of channels) if (ch.expiresAt < now) channels.delete(id);
    const r = ctx.subscriptions.subscribe(owner, bus, duration);
    if (!r.ok) throw new TwoNFailure(14, undefined, r.reason);
    let id = randomInt(1, 2 ** 31);
    while (channels.has(id)) id = randomInt(1, 2 ** 31);
    channels.set(id, {
      sub: r.id,
      owner,
      filter,
      backlog: [],
      durationMs: duration * 1000,
      expiresAt: now + duration * 1000,
    });
    return { id };
  });

  const channelOf = (req: Request, p: Record<string, string>) => {
    const id = uint(p, 'id', 0, 2 ** 32 - 1);
    const ch = channels.get(id);
    if (!ch || ch.owner !== actorOf(req)) throw new TwoNFailure(12, 'id', `no subscription ${id}`);
    return { id, ch };
  };

  define('log/pull', 'read', async (req) => {
    const p = paramsOf(req);
    const { id, ch } = channelOf(req, p);
    const timeoutMs = uint(p, 'timeout', 0, 3600, 0) * 1000;
    const deadline = clock.now() + timeoutMs;
    ch.expiresAt = Number.POSITIVE_INFINITY; // not while a pull waits
    try {
      return await pullInto(ch, id, deadline);
    } finally {
      ch.expiresAt = clock.now() + ch.durationMs;
    }
  });

  const pullInto = async (ch: Channel, id: number, deadline: number) => {
    for (;;) {
      if (ch.backlog.length) return { events: ch.backlog.splice(0, BATCH) };
      const pending = ctx.subscriptions.pull(ch.sub, ch.owner, Math.max(0, deadline - clock.now()));
      if (!pending) {
        channels.delete(id);
        throw new TwoNFailure(12, 'id', `subscription ${id} expired`);
      }
      const { events } = await pending;
      // woken with nothing (the server closing, or another pull took over): answer now
      if (events.length === 0) return { events: ch.backlog.splice(0, BATCH) };
      for (const e of events)
        for (const t of toTwoN(e, (c) => sessions.of(c), ctx.startedAt))
          if (ch.filter.includes(t.event)) ch.backlog.push(t);
      if (ch.backlog.length || clock.now() >= deadline) return { events: ch.backlog.splice(0, BATCH) };
    }
  };

  define('log/unsubscribe', 'read', (req) => {
    const p = paramsOf(req);
    const { id, ch } = channelOf(req, p);
    ctx.subscriptions.unsubscribe(ch.sub, ch.owner);
    channels.delete(id);
    return undefined;
  });
}
