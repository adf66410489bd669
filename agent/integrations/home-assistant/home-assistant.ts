/**
 * Home Assistant over MQTT discovery, as a module of the agent: a second MQTT connection (the
 * smart home's broker), independent of the cloud link but built on the same link code (backoff
 * with full jitter, MQTT 5 with retain-as-published). It announces the device (retained discovery
 * configs), publishes states as they change and the doorbell's `ring` events, and opens doors on
 * Home Assistant's commands through the door owner (method `home-assistant`). A retained command
 * is ignored and logged (it would open the door after every reconnect); so is a payload that is not
 * one of the documented ones. The firmware's `update` entity follows the update's steps; its INSTALL
 * installs the version the device itself knows is offered (a cloud job waiting for its time, or a
 * retry of the last update that did not install): the URL never comes from MQTT, and without an
 * offered version INSTALL does nothing. Nothing is queued while the broker is away: when the connection is
 * back (or Home Assistant says `online` on its status topic) discovery and every state are
 * published again. Turning the integration off removes the entities (empty retained configs).
 * Publishing never waits: a bus listener only hands a message to the MQTT client.
 */
import type { Clock, Logger, Module } from '../../../core/index.ts';
import type { InputState, RelayState } from '../../../hal/types.ts';
import type { CallInfo, Registration } from '../../../sip/engine.ts';
import type { Bus } from '../../bus.ts';
import { CloudLink, type Connector, type Incoming, type LinkStatus, mqttConnector } from '../../cloud/index.ts';
import type { ConfigStore } from '../../config/index.ts';
import type { DoorService } from '../../door/index.ts';
import type { FirmwareService } from '../../firmware/index.ts';
import { discoveryConfigs, INSTALL, LOCK, PRESS } from './discovery.ts';
import { type HaSettings, haSettings } from './settings.ts';
import { type StateSource, stateMessages } from './states.ts';
import { type HaTopics, haTopics, parseCommandTopic } from './topics.ts';

export type HomeAssistantDeps = {
  config: ConfigStore;
  bus: Bus;
  clock: Clock;
  log: Logger;
  version: string;
  /** The one owner of door openings. */
  door: () => DoorService | undefined;
  relays: () => RelayState[];
  inputs: () => InputState[];
  sip: () => { registrations(): Registration[]; calls(): CallInfo[] } | undefined;
  /** The device's web UI (the device's configuration URL in Home Assistant). */
  webUrl: () => string;
  /** The firmware updates (the `update` entity); without them the entity is not announced. */
  firmware?: () => FirmwareService | undefined;
  connector?: Connector;
};

export type HomeAssistantStatus = LinkStatus & { prefix?: string; entities: number };

/** How the door log names an opening by Home Assistant. */
export const HA_ACTOR = 'Home Assistant';

const SHAPE_KEYS = ['relays.', 'inputs.', 'accounts.', 'identity.', 'web.'];

export class HomeAssistant implements Module {
  readonly name = 'home-assistant';
  readonly link: CloudLink;
  #deps: HomeAssistantDeps;
  #settings: HaSettings | undefined;
  #topics: HaTopics | undefined;
  /** Config topics published with a config (what an off must empty). */
  #published = new Set<string>();
  /** The last payload sent per state topic. */
  #sent = new Map<string, string>();
  #lastCaller = '';
  #lastDoor: StateSource['lastDoor'];
  #offs: (() => void)[] = [];
  #configuring: Promise<void> = Promise.resolve();

  constructor(deps: HomeAssistantDeps) {
    this.#deps = deps;
    this.link = new CloudLink({
      connector: deps.connector ?? mqttConnector,
      clock: deps.clock,
      log: deps.log,
      name: 'home assistant',
      maxQueued: 0,
      will: () => ({ topic: this.#topics?.availability ?? 'portier/unknown/availability', payload: 'offline' }),
      subscriptions: () => this.#topics?.subscriptions ?? [],
    });
  }

  status(): HomeAssistantStatus {
    return {
      ...this.link.status,
      ...(this.#settings ? { prefix: this.#settings.prefix } : {}),
      entities: this.#published.size,
    };
  }

  async start(): Promise<void> {
    const { bus } = this.#deps;
    const sync = () => this.#syncStates(false);
    this.#offs.push(
      this.link.events.on('online', () => this.#announce()),
      this.link.events.on('message', (m) => this.#onMessage(m)),
      bus.on('intercom.press', (e) => this.#ring(e.name)),
      bus.on('relay.changed', sync),
      bus.on('input.changed', sync),
      bus.on('sip.registration', sync),
      bus.on('call.incoming', (e) => {
        this.#lastCaller = e.call.peer;
        sync();
      }),
      bus.on('call.outgoing', sync),
      bus.on('call.ringing', sync),
      bus.on('call.established', sync),
      bus.on('call.closed', sync),
      bus.on('door.opened', (e) => {
        this.#lastDoor = {
          method: e.method,
          actor: e.actor,
          relay: e.relay + 1,
          name: e.name,
          time: new Date(e.at).toISOString(),
        };
        sync();
      }),
      bus.on('config.changed', (c) => {
        if (c.keys.some((k) => k.startsWith('homeAssistant.') || k === 'identity.mac')) this.#configure(true);
        else if (c.keys.some((k) => SHAPE_KEYS.some((p) => k.startsWith(p)))) this.#publishDiscovery();
      }),
    );
    const fw = this.#deps.firmware?.();
    if (fw) this.#offs.push(fw.watch(sync));
    this.#configure(false);
    await this.#configuring;
  }

  async stop(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
    await this.#configuring;
    const t = this.#topics;
    await this.link.stop(t ? { topic: t.availability, payload: 'offline' } : undefined);
  }

  /** Reads the settings and (re)connects; with `removeFirst`, the entities announced so far are removed first. */
  #configure(removeFirst: boolean): void {
    this.#configuring = this.#configuring.then(async () => {
      const { config, log } = this.#deps;
      const c = config.get();
      const r = c.homeAssistant.enabled ? await haSettings(c) : undefined;
      if (r?.ok && this.#settings && JSON.stringify(r.settings) === JSON.stringify(this.#settings)) return;
      if (removeFirst) await this.#removeEntities();
      if (!r) {
        this.#settings = undefined;
        return this.link.configure(undefined, 'homeAssistant.enabled is off');
      }
      if (!r.ok) {
        this.#settings = undefined;
        log.error({ problem: r.error }, 'home assistant: not connecting');
        return this.link.configure(undefined, r.error);
      }
      this.#settings = r.settings;
      this.#topics = haTopics(r.settings.prefix, r.settings.deviceId);
      this.#sent.clear();
      await this.link.configure(r.settings.broker);
    });
  }

  /** Empty retained configs for every entity announced (and every one the config describes), then offline. */
  async #removeEntities(): Promise<void> {
    const t = this.#topics;
    if (!t || !this.link.online) return;
    const topics = new Set([...this.#published, ...discoveryConfigs(t, this.#facts()).map((d) => d.topic)]);
    const results = await Promise.all([...topics].map((topic) => this.link.publishNow(topic, '', { retain: true })));
    await this.link.publishNow(t.availability, 'offline', { retain: true });
    this.#published.clear();
    const failed = results.filter((ok) => !ok).length;
    this.#deps.log.info({ removed: topics.size - failed, failed }, 'home assistant: entities removed');
  }

  /** Connected, or Home Assistant (re)started: availability, every config and every state. */
  #announce(): void {
    const t = this.#topics;
    if (!t) return;
    this.link.publish(t.availability, 'online', { retain: true });
    this.#publishDiscovery();
    this.#syncStates(true);
  }

  #facts() {
    const c = this.#deps.config.get();
    const fw = this.#deps.firmware?.();
    return {
      config: c,
      deviceId: this.#settings?.deviceId ?? '',
      version: this.#deps.version,
      webUrl: this.#deps.webUrl(),
      ...(fw ? { firmware: { installable: fw.available } } : {}),
    };
  }

  #publishDiscovery(): void {
    const t = this.#topics;
    if (!t || !this.link.online) return;
    const list = discoveryConfigs(t, this.#facts());
    const now = new Set(list.map((d) => d.topic));
    for (const old of this.#published) if (!now.has(old)) this.link.publish(old, '', { retain: true });
    for (const d of list) this.link.publish(d.topic, JSON.stringify(d.config), { retain: true });
    this.#published = now;
    this.#deps.log.info({ entities: list.length }, 'home assistant: discovery published');
    this.#syncStates(false);
  }

  /** Publishes the states that changed since last sent (all of them with `force`). */
  #syncStates(force: boolean): void {
    const t = this.#topics;
    if (!t || !this.link.online) return;
    const sip = this.#deps.sip();
    const fw = this.#deps.firmware?.();
    const states = stateMessages(t, {
      config: this.#deps.config.get(),
      relays: this.#deps.relays(),
      inputs: this.#deps.inputs(),
      registrations: sip?.registrations() ?? [],
      calls: sip?.calls() ?? [],
      lastCaller: this.#lastCaller,
      lastDoor: this.#lastDoor,
      ...(fw ? { firmware: { installed: fw.version, update: fw.current(), offer: fw.offered() } } : {}),
    });
    for (const [topic, payload] of states) {
      if (!force && this.#sent.get(topic) === payload) continue;
      this.#sent.set(topic, payload);
      this.link.publish(topic, payload, { retain: true });
    }
  }

  #ring(button: string): void {
    const t = this.#topics;
    if (!t || !this.link.online) return;
    this.link.publish(t.doorbell, JSON.stringify({ event_type: 'ring', button }), { retain: false });
  }

  /** The `update` entity's INSTALL: the offered version only; never retained. */
  #install(payload: string, retained: boolean): void {
    const log = this.#deps.log;
    if (retained) {
      log.warn(
        { topic: this.#topics?.firmwareInstall },
        'home assistant: a retained command is ignored (it would replay at every reconnect); clear it on the broker',
      );
      return;
    }
    if (payload !== INSTALL) {
      log.warn(
        { topic: this.#topics?.firmwareInstall, payload: payload.slice(0, 32) },
        'home assistant: a command that is not one of the documented ones is ignored',
      );
      return;
    }
    const fw = this.#deps.firmware?.();
    const offer = fw?.offered();
    if (!fw?.available || !offer) {
      log.warn(
        { reason: fw?.available ? 'no newer version is offered' : (fw?.reason ?? 'no firmware updates') },
        'home assistant: firmware INSTALL ignored',
      );
      return;
    }
    fw.installOffered('home-assistant').then(
      (u) => log.info({ version: offer.version, update: u.id }, 'home assistant: firmware update started'),
      (err) => log.warn({ err: (err as Error).message }, 'home assistant: firmware INSTALL refused'),
    );
  }

  #onMessage(m: Incoming): void {
    const t = this.#topics;
    if (!t) return;
    const payload = m.payload.toString('utf8');
    if (m.topic === t.haStatus) {
      if (payload === 'online') {
        this.#deps.log.info('home assistant: Home Assistant is online; discovery and states published again');
        this.#announce();
      }
      return;
    }
    if (m.topic === t.firmwareInstall) {
      this.#install(payload, m.retain);
      return;
    }
    const cmd = parseCommandTopic(t, m.topic);
    if (!cmd) return;
    const log = this.#deps.log;
    if (m.retain) {
      log.warn(
        { topic: m.topic },
        'home assistant: a retained command is ignored (it would replay at every reconnect); clear it on the broker',
      );
      return;
    }
    const relay = cmd.relay - 1;
    const r = this.#deps.config.get().relays[relay];
    const expected = r?.mode === 'bistable' ? 'press' : 'set';
    const valid =
      r?.enabled &&
      cmd.kind === expected &&
      (cmd.kind === 'press' ? payload === PRESS : [LOCK.open, LOCK.unlock, LOCK.lock].includes(payload as never));
    if (!valid) {
      log.warn(
        { topic: m.topic, payload: payload.slice(0, 32) },
        'home assistant: a command that is not one of the documented ones is ignored',
      );
      return;
    }
    const door = this.#deps.door();
    if (!door) return void log.error('home assistant: the door is not available; command ignored');
    try {
      if (payload === LOCK.lock) door.close({ relay, actor: HA_ACTOR });
      else if (payload === PRESS) door.trigger({ relay, method: 'home-assistant', actor: HA_ACTOR });
      else door.open({ relay, method: 'home-assistant', actor: HA_ACTOR });
    } catch (err) {
      log.warn({ relay: relay + 1, err: (err as Error).message }, 'home assistant: the command could not be done');
    }
  }
}
