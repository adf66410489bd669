/**
 * Every bus event, numbered and made public (JSON without the config's secrets), kept in a short
 * ring for clients that reconnect (SSE Last-Event-ID) and passed to the live listeners.
 */
import type { Clock } from '../../core/index.ts';
import type { AgentEvents, Bus } from '../deps.ts';

/**
 * The events the UI and integrators may receive. A Record over the bus's event names: when a part
 * adds an event to the bus, the type check fails here until it is listed (true = streamed).
 */
const STREAMED: Record<keyof AgentEvents, boolean> = {
  'config.changed': true,
  'relay.changed': true,
  'input.changed': true,
  'input.alarm': true,
  'sip.registration': true,
  'call.incoming': true,
  'call.outgoing': true,
  'call.ringing': true,
  'call.established': true,
  'call.media': true,
  'call.dtmf': true,
  'call.closed': true,
  'sip.engine': true,
  'door.opened': true,
  'intercom.call': true,
  'intercom.press': true,
  'dnd.changed': true,
  'paging.started': true,
  'paging.ended': true,
  'cloud.link': true,
  'cloud.job': true,
  'message.received': true,
  'monitor.ringing': true,
  'monitor.call': true,
  'monitor.opened': true,
  'message.read': true,
  'firmware.update': true,
  'agent.started': true,
  'agent.stopping': true,
};

export const EVENT_NAMES = (Object.keys(STREAMED) as (keyof AgentEvents)[]).filter((k) => STREAMED[k]);

export type FeedEvent = { id: number; event: string; at: number; data: unknown };

const RING = 200;

export class EventFeed {
  #bus: Bus;
  #clock: Clock;
  #seq = 0;
  #ring: FeedEvent[] = [];
  #listeners = new Set<(e: FeedEvent) => void>();
  #offs: (() => void)[] = [];

  constructor(deps: { bus: Bus; clock: Clock }) {
    this.#bus = deps.bus;
    this.#clock = deps.clock;
  }

  start(): void {
    for (const name of EVENT_NAMES) {
      this.#offs.push(this.#bus.on(name, (payload) => this.#push(name, payload)));
    }
  }

  stop(): void {
    for (const off of this.#offs.splice(0)) off();
    this.#listeners.clear();
  }

  /** Adds a listener; returns the function that removes it. */
  listen(fn: (e: FeedEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Events after `id` still in the ring (for a client that reconnects). */
  since(id: number): FeedEvent[] {
    return this.#ring.filter((e) => e.id > id);
  }

  get lastId(): number {
    return this.#seq;
  }

  #push(name: keyof AgentEvents, payload: unknown): void {
    const e: FeedEvent = { id: ++this.#seq, event: name, at: this.#clock.now(), data: publicPayload(name, payload) };
    this.#ring.push(e);
    if (this.#ring.length > RING) this.#ring.shift();
    for (const fn of this.#listeners) fn(e);
  }
}

/** The payload as clients see it: `config.changed` gives the changed keys, not the config (it holds secrets). */
function publicPayload(name: keyof AgentEvents, payload: unknown): unknown {
  if (name === 'config.changed') {
    const c = payload as AgentEvents['config.changed'];
    return { keys: c.keys, source: c.source };
  }
  return payload;
}
