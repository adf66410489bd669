/**
 * The engine under test: a BaresipEngine on 127.0.0.1 with free ports and a temporary private
 * dir, and a recorder of everything it emitted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, RealClock, silentLogger } from '../../core/index.ts';
import {
  type AccountSpec,
  type BaresipDeps,
  BaresipEngine,
  type EngineSettings,
  SIP_EVENTS,
  type SipEvents,
} from '../../sip/index.ts';
import type { Kamailio, Subscriber } from './kamailio.ts';
import { freeRtpRange, freeSipPort } from './ports.ts';

export type Recorded = { [E in keyof SipEvents]: { event: E; payload: SipEvents[E]; at: number } }[keyof SipEvents];

export type TestEngine = {
  engine: BaresipEngine;
  settings: EngineSettings;
  dir: string;
  events: Recorded[];
  /** The first event of that name (already emitted or to come, from index `from` on) that matches. */
  waitFor<E extends keyof SipEvents>(
    event: E,
    match?: (p: SipEvents[E]) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<SipEvents[E]>;
  of<E extends keyof SipEvents>(event: E): SipEvents[E][];
  stop(): Promise<void>;
};

export async function startEngine(
  opts: {
    settings?: Partial<EngineSettings>;
    accounts?: AccountSpec[];
    deps?: Partial<BaresipDeps>;
    log?: Logger;
  } = {},
): Promise<TestEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'portier-sip-'));
  const [rtpPortMin, rtpPortMax] = await freeRtpRange(20);
  const settings: EngineSettings = {
    listenAddress: '127.0.0.1',
    sipPort: opts.settings?.sipPort ?? (await freeSipPort(2)),
    rtpPortMin,
    rtpPortMax,
    audioDevice: '',
    directIp: true,
    displayName: 'Front door',
    ...opts.settings,
  };
  const engine = new BaresipEngine(settings, {
    log: opts.log ?? silentLogger(),
    clock: new RealClock(),
    dir: join(dir, 'baresip'),
    ...opts.deps,
  });
  const events: Recorded[] = [];
  const waiters = new Set<() => void>();
  for (const event of SIP_EVENTS) {
    engine.events.on(event, (payload) => {
      events.push({ event, payload, at: performance.now() } as Recorded);
      for (const w of [...waiters]) w();
    });
  }
  if (opts.accounts) await engine.setAccounts(opts.accounts);
  await engine.start();
  return {
    engine,
    settings,
    dir,
    events,
    of: (event) => events.filter((r) => r.event === event).map((r) => r.payload) as never,
    waitFor(event, match = () => true, timeoutMs = 10_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const r = events.slice(from).find((x) => x.event === event && match(x.payload as never));
          if (r) {
            done();
            resolve(r.payload as never);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${event} within ${timeoutMs} ms; got ${events.map((e) => e.event).join(', ')}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      await engine.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An account of the test PBX for the engine. */
export function pbxAccount(pbx: Kamailio, sub: Subscriber, over: Partial<AccountSpec> = {}): AccountSpec {
  return {
    id: '1',
    mode: 'registered',
    user: sub.user,
    authUser: '',
    password: sub.password,
    displayName: '',
    server: pbx.host,
    port: pbx.port,
    transport: 'udp',
    registerInterval: 60,
    outboundProxy: '',
    dtmfMode: 'rfc4733',
    srtp: 'off',
    ...over,
  };
}
