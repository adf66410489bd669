/**
 * The live event stream (Server-Sent Events of the agent's bus). Pages subscribe to event names;
 * `resync` fires on every (re)connection so that pages fetch a fresh snapshot.
 */
import { EVENT_NAMES } from '../../events/feed.ts';

type Handler = (data: unknown) => void;

export class Live {
  #source: EventSource | undefined;
  #handlers = new Map<string, Set<Handler>>();
  #onState: (state: 'live' | 'offline') => void;

  constructor(onState: (state: 'live' | 'offline') => void) {
    this.#onState = onState;
  }

  connect(): void {
    this.close();
    const src = new EventSource('/api/v1/events');
    this.#source = src;
    src.addEventListener('hello', () => {
      this.#onState('live');
      this.#emit('resync', undefined);
    });
    for (const name of EVENT_NAMES)
      src.addEventListener(name, (e) => this.#emit(name, JSON.parse((e as MessageEvent).data)));
    src.onerror = () => {
      this.#onState('offline');
      if (src.readyState === EventSource.CLOSED) this.#emit('closed', undefined);
    };
  }

  close(): void {
    this.#source?.close();
    this.#source = undefined;
  }

  /** Subscribes; returns the function that unsubscribes (pages call it when they are left). */
  on(name: string, fn: Handler): () => void {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  #emit(name: string, data: unknown): void {
    for (const fn of this.#handlers.get(name) ?? []) fn(data);
  }
}
