/**
 * The device's link to the broker: connects with the settings it is given, subscribes to the
 * device's job topics, hands on what arrives, and retries with exponential backoff and full jitter
 * (reset once a connection has held for `holdMs`). New settings reconnect at once. What is
 * published while offline waits in a bounded queue (a retained topic keeps only its newest value)
 * and goes out when the link is back.
 */
import { type Clock, errorMessage, type Logger, type TimerHandle, TypedEmitter } from '../../core/index.ts';
import { Backoff } from './backoff.ts';
import type { Connector, Incoming, LinkClient, Will } from './client.ts';
import { topics } from './protocol/index.ts';
import { type BrokerSettings, describe, sameSettings } from './settings.ts';

export type LinkState = 'disabled' | 'connecting' | 'online' | 'waiting' | 'stopped';

export type LinkStatus = {
  state: LinkState;
  /** Where and as whom (never a secret). */
  broker?: string;
  lastError?: string;
  /** Epoch ms of the current (or last) connection. */
  connectedAt?: number;
  /** Delay before the next attempt, when waiting. */
  retryInMs?: number;
  attempts: number;
};

export type LinkEvents = { state: LinkStatus; message: Incoming; online: { connectedAt: number } };

export type LinkDeps = {
  connector: Connector;
  clock: Clock;
  log: Logger;
  /** The last will of each attempt (the retained offline status). */
  will: (deviceId: string) => Will;
  backoff?: Backoff;
  /** A connection that held this long resets the backoff. */
  holdMs?: number;
  /** Most messages kept while offline (0: nothing is kept; the owner republishes when it is back). */
  maxQueued?: number;
  /** The topics subscribed at each connection (default: the device's job topics). */
  subscriptions?: (s: BrokerSettings) => string[];
  /** How the log names this link (default `cloud link`). */
  name?: string;
};

type Queued = { topic: string; payload: string; retain: boolean };

export const HOLD_MS = 20_000;

export class CloudLink {
  readonly events = new TypedEmitter<LinkEvents>();
  #deps: LinkDeps;
  #backoff: Backoff;
  #settings: BrokerSettings | undefined;
  #client: LinkClient | undefined;
  #status: LinkStatus = { state: 'disabled', attempts: 0 };
  #retry: TimerHandle | undefined;
  #held: TimerHandle | undefined;
  #queue: Queued[] = [];
  #generation = 0;

  get #name(): string {
    return this.#deps.name ?? 'cloud link';
  }

  constructor(deps: LinkDeps) {
    this.#deps = deps;
    this.#backoff = deps.backoff ?? new Backoff();
  }

  get status(): LinkStatus {
    return { ...this.#status };
  }

  get deviceId(): string | undefined {
    return this.#settings?.deviceId;
  }

  get online(): boolean {
    return this.#status.state === 'online';
  }

  /** Connects with these settings (reconnecting if they changed); undefined disconnects. */
  async configure(settings: BrokerSettings | undefined, reason?: string): Promise<void> {
    if (this.#status.state === 'stopped') return;
    if (sameSettings(settings, this.#settings) && this.#status.state !== 'disabled') return;
    await this.#drop();
    this.#settings = settings;
    this.#backoff.reset();
    if (!settings) {
      this.#setStatus({ state: 'disabled', attempts: 0, ...(reason ? { lastError: reason } : {}) });
      return;
    }
    this.#deps.log.info({ broker: describe(settings) }, `${this.#name}: connecting`);
    this.#attempt();
  }

  /** Publishes now when online, else queues it for the next connection. */
  publish(topic: string, payload: string, opts: { retain: boolean }): void {
    const m = { topic, payload, retain: opts.retain };
    if (this.#client && this.online) this.#send(this.#client, m);
    else this.#enqueue(m);
  }

  /** Publishes now and waits for the broker's acknowledgement (at most `timeoutMs`); false when offline or not sent. */
  async publishNow(topic: string, payload: string, opts: { retain: boolean }, timeoutMs = 2000): Promise<boolean> {
    const client = this.#client;
    if (!client || !this.online) return false;
    const sent = client.publish(topic, payload, { retain: opts.retain }).then(
      () => true,
      () => false,
    );
    return Promise.race([sent, this.#deps.clock.sleep(timeoutMs).then(() => false)]);
  }

  /** Disconnects for good: `final` (the retained offline status) is published first when online. */
  async stop(final?: { topic: string; payload: string }): Promise<void> {
    const client = this.#client;
    if (client && this.online && final) {
      await Promise.race([
        client.publish(final.topic, final.payload, { retain: true }).catch(() => {}),
        this.#deps.clock.sleep(2000),
      ]);
    }
    await this.#drop(true);
    this.#setStatus({ ...this.#status, state: 'stopped', retryInMs: undefined });
  }

  #attempt(): void {
    const settings = this.#settings;
    if (!settings) return;
    const gen = ++this.#generation;
    const attempts = this.#status.attempts + 1;
    this.#setStatus({ state: 'connecting', broker: describe(settings), attempts, lastError: this.#status.lastError });
    let client: LinkClient;
    try {
      client = this.#deps.connector(settings, this.#deps.will(settings.deviceId));
    } catch (err) {
      this.#failed(gen, errorMessage(err));
      return;
    }
    this.#client = client;
    let closed = false;
    client.onError((err) => {
      this.#status.lastError = errorMessage(err);
      this.#deps.log.warn({ err: errorMessage(err), broker: describe(settings) }, `${this.#name}: error`);
      if (!this.online) client.end(true).catch(() => {});
    });
    client.onConnect(() => {
      if (gen !== this.#generation) return;
      this.#onConnected(client, settings).catch((err) => {
        this.#deps.log.warn({ err: errorMessage(err) }, `${this.#name}: could not set up the connection`);
        client.end(true).catch(() => {});
      });
    });
    client.onMessage((m) => {
      if (gen === this.#generation) this.events.emit('message', m);
    });
    client.onClose(() => {
      if (closed) return;
      closed = true;
      this.#failed(gen, this.#status.lastError ?? 'connection closed');
    });
  }

  async #onConnected(client: LinkClient, settings: BrokerSettings): Promise<void> {
    const refused = await client.subscribe(
      this.#deps.subscriptions?.(settings) ?? topics.deviceSubscriptions(settings.deviceId),
    );
    if (refused.length)
      this.#deps.log.error({ refused }, `${this.#name}: the broker refused the subscriptions (check its ACL)`);
    const connectedAt = this.#deps.clock.now();
    this.#setStatus({ state: 'online', broker: describe(settings), connectedAt, attempts: 0 });
    this.#deps.clock.clearTimeout(this.#held);
    this.#held = this.#deps.clock.setTimeout(() => this.#backoff.reset(), this.#deps.holdMs ?? HOLD_MS);
    this.#deps.log.info({ broker: describe(settings) }, `${this.#name}: online`);
    this.events.emit('online', { connectedAt });
    for (const m of this.#queue.splice(0)) this.#send(client, m);
  }

  #failed(gen: number, error: string): void {
    if (gen !== this.#generation || !this.#settings) return;
    this.#deps.clock.clearTimeout(this.#held);
    this.#held = undefined;
    this.#client = undefined;
    const wasOnline = this.online;
    const delay = this.#backoff.next();
    this.#setStatus({
      ...this.#status,
      state: 'waiting',
      lastError: error,
      retryInMs: delay,
    });
    this.#deps.log[wasOnline ? 'warn' : 'info'](
      { err: error, retryInMs: delay, attempt: this.#backoff.attempt },
      wasOnline ? `${this.#name}: lost, reconnecting` : `${this.#name}: could not connect, retrying`,
    );
    this.#retry = this.#deps.clock.setTimeout(() => {
      this.#retry = undefined;
      this.#attempt();
    }, delay);
  }

  #send(client: LinkClient, m: Queued): void {
    client.publish(m.topic, m.payload, { retain: m.retain }).catch((err) => {
      this.#deps.log.debug({ err: errorMessage(err), topic: m.topic }, `${this.#name}: publish failed, queued again`);
      this.#enqueue(m);
    });
  }

  #enqueue(m: Queued): void {
    if (m.retain) this.#queue = this.#queue.filter((q) => q.topic !== m.topic);
    this.#queue.push(m);
    const max = this.#deps.maxQueued ?? 500;
    while (this.#queue.length > max) {
      const i = this.#queue.findIndex((q) => !q.retain);
      this.#queue.splice(Math.max(i, 0), 1);
    }
  }

  /** Ends the current attempt; `graceful` sends DISCONNECT (the broker then drops the last will). */
  async #drop(graceful = false): Promise<void> {
    this.#generation++;
    this.#deps.clock.clearTimeout(this.#retry);
    this.#deps.clock.clearTimeout(this.#held);
    this.#retry = this.#held = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (this.#status.state === 'online') this.#setStatus({ ...this.#status, state: 'connecting' });
    if (client)
      await Promise.race([client.end(!graceful).catch(() => {}), this.#deps.clock.sleep(2000)]).then(() =>
        graceful ? client.end(true).catch(() => {}) : undefined,
      );
  }

  #setStatus(s: LinkStatus): void {
    this.#status = s;
    this.events.emit('state', this.status);
  }
}
