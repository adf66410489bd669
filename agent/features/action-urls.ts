/** Action URLs: an HTTP GET per event, with placeholders, for integrators (as door phones in the field do). */
import { Feature } from './support/feature.ts';
import { httpGet } from './support/outbound.ts';
import { deviceValues, expand, type PlaceholderValues } from './support/placeholders.ts';

type UrlKey = 'pushButton' | 'incomingCall' | 'outgoingCall' | 'established' | 'ended' | 'doorOpened' | 'inputChanged';

export class ActionUrls extends Feature {
  readonly name = 'action-urls';

  protected subscribe(): void {
    const peer = (c: { peer: string; peerName: string; id: string }) => ({
      remote: c.peer,
      display: c.peerName,
      callid: c.id,
    });
    this.on('input.changed', (e) => {
      this.#fire('inputChanged', { input: e.name, state: e.active ? '1' : '0' });
      if (e.role === 'push-button' && e.active) this.#fire('pushButton', { input: e.name });
    });
    this.on('call.incoming', ({ call }) => this.#fire('incomingCall', peer(call)));
    this.on('call.outgoing', ({ call }) => this.#fire('outgoingCall', peer(call)));
    this.on('call.established', ({ call }) => this.#fire('established', peer(call)));
    this.on('call.closed', ({ call, end }) => this.#fire('ended', { ...peer(call), reason: end.reason }));
    this.on('door.opened', (e) => this.#fire('doorOpened', { relay: String(e.relay + 1), method: e.method }));
  }

  #fire(key: UrlKey, extra: PlaceholderValues): void {
    const config = this.config;
    const template = config.actionUrls[key];
    if (!config.actionUrls.enabled || !template) return;
    const values = { ...deviceValues(config, this.deps.relays.states(), this.deps.clock.now()), ...extra };
    const url = expand(template, values, { url: true });
    httpGet(url).catch((err) => this.log.warn({ err, url }, `action URL ${key} failed`));
  }
}
