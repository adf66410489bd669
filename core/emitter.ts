/** A typed event emitter: `Events` maps each event name to its payload type. */
export type Listener<P> = (payload: P) => void;

export class TypedEmitter<Events extends object> {
  #listeners = new Map<keyof Events, Set<Listener<never>>>();
  #onError: (event: keyof Events, err: unknown) => void;

  constructor(onError?: (event: keyof Events, err: unknown) => void) {
    this.#onError =
      onError ??
      ((event, err) => {
        queueMicrotask(() => {
          throw Object.assign(new Error(`listener of ${String(event)} threw`), { cause: err });
        });
      });
  }

  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    const off = this.on(event, (p) => {
      off();
      listener(p);
    });
    return off;
  }

  /** Calls every listener synchronously; a listener that throws does not stop the others. */
  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as Listener<Events[E]>)(payload);
      } catch (err) {
        this.#onError(event, err);
      }
    }
  }

  /** Resolves with the first payload of `event` that satisfies `match`. */
  waitFor<E extends keyof Events>(event: E, match: (p: Events[E]) => boolean = () => true): Promise<Events[E]> {
    return new Promise((resolve) => {
      const off = this.on(event, (p) => {
        if (match(p)) {
          off();
          resolve(p);
        }
      });
    });
  }

  listenerCount(event?: keyof Events): number {
    if (event !== undefined) return this.#listeners.get(event)?.size ?? 0;
    let n = 0;
    for (const s of this.#listeners.values()) n += s.size;
    return n;
  }
}
