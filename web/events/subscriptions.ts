/**
 * 2N-style event subscriptions: `log/subscribe` returns an id, `log/pull?id=&timeout=` long-polls
 * the events queued for it. A subscription not pulled for its duration expires.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../core/index.ts';
import type { EventFeed, FeedEvent } from './feed.ts';

const MAX_SUBSCRIPTIONS = 16;
const MAX_QUEUE = 500;

type Sub = {
  id: string;
  owner: string;
  filter: string[];
  durationMs: number;
  expiresAt: number;
  queue: FeedEvent[];
  dropped: number;
  waiter?: { resolve: (events: FeedEvent[]) => void; timer: TimerHandle };
};

export type SubscribeResult = { ok: true; id: string } | { ok: false; reason: string };

export class Subscriptions {
  #feed: EventFeed;
  #clock: Clock;
  #subs = new Map<string, Sub>();
  #off: (() => void) | undefined;

  constructor(deps: { feed: EventFeed; clock: Clock }) {
    this.#feed = deps.feed;
    this.#clock = deps.clock;
  }

  start(): void {
    this.#off = this.#feed.listen((e) => this.#deliver(e));
  }

  stop(): void {
    this.#off?.();
    for (const s of this.#subs.values()) this.#wake(s);
    this.#subs.clear();
  }

  /** `filter`: event names, `call.*` for a family; empty = every event. */
  subscribe(owner: string, filter: string[], durationS: number): SubscribeResult {
    this.#sweep();
    if (this.#subs.size >= MAX_SUBSCRIPTIONS)
      return { ok: false, reason: `at most ${MAX_SUBSCRIPTIONS} subscriptions` };
    const id = randomBytes(8).toString('hex');
    const durationMs = durationS * 1000;
    this.#subs.set(id, {
      id,
      owner,
      filter,
      durationMs,
      expiresAt: this.#clock.now() + durationMs,
      queue: [],
      dropped: 0,
    });
    return { ok: true, id };
  }

  /** Waits up to `timeoutMs` for events; undefined if there is no such subscription of this owner. */
  pull(id: string, owner: string, timeoutMs: number): Promise<{ events: FeedEvent[]; dropped: number }> | undefined {
    this.#sweep();
    const s = this.#subs.get(id);
    if (!s || s.owner !== owner) return undefined;
    this.#wake(s); // a second pull on the same id takes over from the first
    s.expiresAt = this.#clock.now() + s.durationMs + timeoutMs;
    const take = () => {
      const events = s.queue.splice(0);
      const dropped = s.dropped;
      s.dropped = 0;
      s.expiresAt = this.#clock.now() + s.durationMs;
      return { events, dropped };
    };
    if (s.queue.length || timeoutMs <= 0) return Promise.resolve(take());
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(() => this.#wake(s), timeoutMs);
      s.waiter = { resolve: () => resolve(take()), timer };
    });
  }

  unsubscribe(id: string, owner: string): boolean {
    const s = this.#subs.get(id);
    if (!s || s.owner !== owner) return false;
    this.#wake(s);
    return this.#subs.delete(id);
  }

  /** Ends a waiting pull now (the caller then gets what is queued). */
  wakeAll(): void {
    for (const s of this.#subs.values()) this.#wake(s);
  }

  #deliver(e: FeedEvent): void {
    for (const s of this.#subs.values()) {
      if (s.filter.length && !s.filter.some((f) => matches(f, e.event))) continue;
      s.queue.push(e);
      if (s.queue.length > MAX_QUEUE) {
        s.queue.shift();
        s.dropped++;
      }
      this.#wake(s);
    }
  }

  #wake(s: Sub): void {
    const w = s.waiter;
    if (!w) return;
    s.waiter = undefined;
    this.#clock.clearTimeout(w.timer);
    w.resolve([]);
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [id, s] of this.#subs) if (!s.waiter && s.expiresAt < now) this.#subs.delete(id);
  }
}

function matches(filter: string, event: string): boolean {
  return filter.endsWith('.*') ? event.startsWith(filter.slice(0, -1)) : filter === event;
}
