/**
 * The cloud link as a module of the agent: the MQTT link configured from the `cloud` settings
 * (a change reconnects, no restart), the device status, the jobs, and the bus events forwarded.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Clock, errorMessage, type Logger, type Module } from '../../core/index.ts';
import type { Bus } from '../bus.ts';
import type { ConfigStore } from '../config/index.ts';
import type { EventLog } from '../logs/index.ts';
import { type Connector, mqttConnector } from './client.ts';
import { forwardEvents } from './events.ts';
import { autopHandler } from './jobs/autop.ts';
import type { JobHandlers } from './jobs/handler.ts';
import { type InboxMessage, messageHandler } from './jobs/message.ts';
import { rebootHandler } from './jobs/reboot.ts';
import { JobRunner } from './jobs/runner.ts';
import { JobStore } from './jobs/store.ts';
import { FIRMWARE_NOT_YET, unsupportedHandler } from './jobs/unsupported.ts';
import { CloudLink, type LinkStatus } from './link.ts';
import { deviceIdFromMac, parseTopic, topics } from './protocol/index.ts';
import { RemoteWeb } from './remote-web.ts';
import { brokerSettings } from './settings.ts';
import { type ReapplyResult, StandingCommands, standingFile } from './standing.ts';
import { deviceStatus, RateLimited, type StatusSource } from './status.ts';

export type CloudService = {
  /** The link's state (no secret in it) and the device id. */
  status(): LinkStatus & { deviceId?: string; bootId: string };
  /**
   * The hook for auto-provisioning: call it after every provisioning from an autop server; the
   * cloud's standing autop commands are applied again on top of what the server set.
   */
  afterProvisioning(): Promise<ReapplyResult>;
};

export type CloudDeps = {
  dataDir: string;
  config: ConfigStore;
  bus: Bus;
  clock: Clock;
  log: Logger;
  firmware: string;
  /** Calls in progress (the SIP engine's), for the reboot job. */
  calls: () => number;
  sip: () => { accounts: number; registered: number };
  restart: () => void;
  inbox: EventLog<InboxMessage> & { load(): Promise<void> };
  connector?: Connector;
  /** Extra job types (the firmware issue plugs its installer in here). */
  handlers?: JobHandlers;
};

export class Cloud implements Module {
  readonly name = 'cloud';
  readonly bootId = randomUUID();
  readonly link: CloudLink;
  readonly runner: JobRunner;
  readonly standing: StandingCommands;
  readonly remoteWeb: RemoteWeb;
  #deps: CloudDeps;
  #src: StatusSource;
  #statusNow: RateLimited;
  #offs: (() => void)[] = [];
  #configuring: Promise<void> = Promise.resolve();

  constructor(deps: CloudDeps) {
    this.#deps = deps;
    const { clock, log, config } = deps;
    this.#src = {
      config: () => config.get(),
      clock,
      bootId: this.bootId,
      firmware: deps.firmware,
      startedAt: clock.monotonic(),
      sip: deps.sip,
    };
    this.link = new CloudLink({
      connector: deps.connector ?? mqttConnector,
      clock,
      log,
      will: () => ({ topic: this.#statusTopic(), payload: this.#status('offline', clock.now(), 'lost') }),
    });
    this.standing = new StandingCommands({ file: standingFile(deps.dataDir), store: config, log });
    this.remoteWeb = new RemoteWeb({
      clock,
      log,
      deviceId: () => this.#deviceId(),
      publish: (topic, payload) => this.link.publish(topic, payload, { retain: false }),
      target: () => {
        const w = config.get().web;
        return { port: w.port, https: w.https, httpsPort: w.httpsPort };
      },
      settle: (id, outcome) => this.runner.settle(id, outcome),
    });
    const handlers: JobHandlers = {
      autop: autopHandler({ store: config, standing: this.standing }),
      reboot: rebootHandler({ clock, bootId: this.bootId, calls: deps.calls, restart: deps.restart }),
      message: messageHandler({
        role: () => config.get().identity.role,
        inbox: deps.inbox,
        now: () => clock.now(),
        received: (m) => deps.bus.emit('message.received', m),
      }),
      firmware: unsupportedHandler(FIRMWARE_NOT_YET) as JobHandlers['firmware'],
      'remote-web': this.remoteWeb.handler(),
      ...deps.handlers,
    };
    const events = forwardEvents({
      bus: deps.bus,
      clock,
      startedAt: this.#src.startedAt,
      sink: (type, e) => {
        const id = this.#deviceId();
        if (id) this.link.publish(topics.event(id, type), JSON.stringify(e), { retain: false });
      },
    });
    this.#offs.push(events.off);
    this.runner = new JobRunner({
      store: new JobStore(join(deps.dataDir, 'cloud', 'jobs.json')),
      handlers,
      clock,
      log,
      bootId: this.bootId,
      publish: (jobId, status) => {
        const id = this.#deviceId();
        if (id) this.link.publish(topics.jobStatus(id, jobId), JSON.stringify(status), { retain: true });
      },
      onUpdate: (u) => {
        deps.bus.emit('cloud.job', u);
        events.job(u);
      },
    });
    this.#statusNow = new RateLimited(clock, () => this.#publishStatus());
  }

  service(): CloudService {
    return {
      status: () => ({ ...this.link.status, deviceId: this.link.deviceId, bootId: this.bootId }),
      afterProvisioning: () => this.standing.reapply(),
    };
  }

  async start(): Promise<void> {
    const { bus, log } = this.#deps;
    await Promise.all([this.standing.load(), this.#deps.inbox.load()]);
    this.#offs.push(
      this.link.events.on('state', (s) => bus.emit('cloud.link', s)),
      this.link.events.on('online', () => this.#publishStatus()),
      this.link.events.on('message', (m) => {
        this.#onMessage(m.topic, m.payload, m.retain).catch((err) =>
          log.error({ err: errorMessage(err), topic: m.topic }, 'cloud: could not handle a message'),
        );
      }),
      bus.on('config.changed', (c) => {
        if (c.keys.some((k) => k.startsWith('cloud.') || k === 'identity.mac')) this.#configure();
        if (c.keys.some((k) => k.startsWith('identity.'))) this.#statusNow.request();
      }),
      bus.on('sip.registration', () => this.#statusNow.request()),
    );
    await this.runner.start();
    this.#configure();
    await this.#configuring;
  }

  async stop(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
    this.#statusNow.cancel();
    this.runner.stop();
    this.remoteWeb.stop();
    await this.#configuring;
    const id = this.link.deviceId;
    const connectedAt = this.link.status.connectedAt;
    await this.link.stop(
      id ? { topic: topics.status(id), payload: this.#status('offline', connectedAt, 'stopped') } : undefined,
    );
  }

  async #onMessage(topic: string, payload: Buffer, retain: boolean): Promise<void> {
    const t = parseTopic(topic);
    if (!t || t.device !== this.link.deviceId) {
      this.#deps.log.warn({ topic }, 'cloud: a message for another topic is ignored');
      return;
    }
    if (t.kind === 'job') await this.runner.receive(t.jobId, payload, retain);
    else if (t.kind === 'job-cancel') await this.runner.cancel(t.jobId, retain);
    else if (t.kind === 'web-request') await this.remoteWeb.request(t.session, t.n, payload, retain);
  }

  /** Reads the settings and (re)configures the link; serialized. */
  #configure(): void {
    this.#configuring = this.#configuring.then(async () => {
      const config = this.#deps.config.get();
      if (!config.cloud.enabled) return this.link.configure(undefined, 'cloud.enabled is off');
      const r = await brokerSettings(config);
      if (!r.ok) {
        this.#deps.log.error({ problem: r.error }, 'cloud link: not connecting');
        return this.link.configure(undefined, r.error);
      }
      await this.link.configure(r.settings);
    });
  }

  /** The device id of the link, else the one the config gives (before the link is configured). */
  #deviceId(): string | undefined {
    return this.link.deviceId ?? deviceIdFromMac(this.#deps.config.get().identity.mac);
  }

  #statusTopic(): string {
    return topics.status(this.link.deviceId ?? 'unknown');
  }

  #status(state: 'online' | 'offline', connectedAt: number | undefined, reason?: string): string {
    return JSON.stringify(deviceStatus(this.#src, state, connectedAt, reason));
  }

  #publishStatus(): void {
    if (!this.link.online || !this.link.deviceId) return;
    this.link.publish(this.#statusTopic(), this.#status('online', this.link.status.connectedAt), { retain: true });
  }
}
