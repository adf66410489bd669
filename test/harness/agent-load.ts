/**
 * Load on one agent in this process, and what it holds between loads: config changes, calls
 * through the real SIP engine (push button → the configured number, answered by a peer, hung up),
 * bus events; and its bus listeners, pending timers (every agent timer goes through its injected
 * clock), calls, and the process's active handles. A listener or timer kept per call, per change
 * or per event shows as a count that grows with the load. Used by the leak test and the heap benchmark.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentEvents } from '../../agent/bus.ts';
import { ConfigStore } from '../../agent/config/index.ts';
import { type Agent, createAgent } from '../../agent/main.ts';
import { type Clock, type Logger, RealClock, silentLogger, type TimerHandle } from '../../core/index.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from './ports.ts';

/** A real clock that counts the timers set through it and not yet fired or cleared. */
export class CountingClock implements Clock {
  #real = new RealClock();
  #pending = new Set<number>();
  now(): number {
    return this.#real.now();
  }
  monotonic(): number {
    return this.#real.monotonic();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const h = this.#real.setTimeout(() => {
      this.#pending.delete(h.id);
      fn();
    }, ms);
    this.#pending.add(h.id);
    return h;
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.#pending.delete(handle.id);
    this.#real.clearTimeout(handle);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }
  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#pending.size;
  }
}

export type Holdings = {
  /** Listeners on the agent's bus, all events. */
  listeners: number;
  /** Timers of the agent's clock not yet fired or cleared. */
  timers: number;
  /** Calls the SIP engine still knows. */
  calls: number;
  /** The process's active handles and requests by type (process.getActiveResourcesInfo()). */
  resources: Record<string, number>;
};

export type LoadedAgent = {
  agent: Agent;
  clock: CountingClock;
  dataDir: string;
  holdings(): Holdings;
  /** `n` config changes, each applied like an API write (validated, written atomically, `config.changed`). */
  configChanges(n: number): Promise<void>;
  /** `n` calls, one after the other: push button pressed, answered by the peer, hung up, closed. */
  calls(n: number): Promise<void>;
  /** `n` bus events of the kinds the HAL and the SIP engine emit outside calls, each through every listener. */
  busEvents(n: number): void;
  stop(): Promise<void>;
};

/**
 * The agent as `portier run` builds it (createAgent: every part, in production's order) with the
 * sim HAL, on 127.0.0.1 with free ports; its push button calls `peerUri`, its push button input
 * without debounce (the press is what is measured, not the debounce time).
 */
export async function loadedAgent(opts: { peerUri: string; dataDir?: string; log?: Logger }): Promise<LoadedAgent> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'portier-load-')));
  const store = new ConfigStore({ dataDir, clock: new RealClock(), log: silentLogger() });
  await store.load();
  const [rtpPortMin, rtpPortMax] = await freeRtpRange(20);
  await store.apply(
    {
      directIp: { port: await freeSipPort(2) },
      sip: { rtpPortMin, rtpPortMax },
      web: { port: await freeTcpPort() },
      intercom: { pushButton: { numbers: [opts.peerUri] } },
      inputs: [{ debounceMs: 0 }],
    },
    'test',
  );
  const clock = new CountingClock();
  const options = { dataDir, hal: 'sim' as const, dev: false, bind: '127.0.0.1', sipAddress: '127.0.0.1' };
  const agent = await createAgent(options, { log: opts.log ?? silentLogger(), clock });
  await agent.start();
  const { bus, config, services } = agent.ctx;
  const sip = services.sip!;
  const gpio = services.simGpio!;
  const pushLine = config.get().inputs[0]!.line;

  let changes = 0;
  const patches: ((i: number) => unknown)[] = [
    (i) => ({ intercom: { maxCallTime: 1 + (i % 100) } }),
    (i) => ({ identity: { location: `Hall ${i % 1000}` } }),
    (i) => ({ intercom: { dialOutTime: 5 + (i % 100) } }),
    (i) => ({ relays: [{ holdTime: 1 + (i % 10) }] }), // the HAL reconfigures its relays
    (i) => ({ accounts: { 1: { displayName: `Flat ${i % 1000}` } } }), // the SIP part applies the accounts
  ];

  let events = 0;
  const emitters: ((i: number, at: number) => void)[] = [
    (i, at) =>
      bus.emit('input.changed', {
        index: 3,
        name: 'Input D',
        role: 'generic',
        active: i % 2 === 0,
        at,
        timestampMs: at,
      }),
    (i, at) => bus.emit('relay.changed', { index: 1, name: 'Relay B', on: i % 2 === 0, at, by: 'bench' }),
    (i) => bus.emit('sip.registration', { account: '2', state: i % 2 === 0 ? 'registering' : 'unregistered' }),
    (i, at) =>
      bus.emit('input.alarm', { index: 2, name: 'Door contact', kind: 'door-open-too-long', active: i % 2 === 0, at }),
  ];

  return {
    agent,
    clock,
    dataDir,
    holdings() {
      const resources: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
      return { listeners: bus.listenerCount(), timers: clock.pending, calls: sip.calls().length, resources };
    },
    async configChanges(n) {
      for (let k = 0; k < n; k++, changes++) await config.apply(patches[changes % patches.length]!(changes), 'api');
    },
    async calls(n) {
      for (let k = 0; k < n; k++) {
        const connected = waitBus(bus, 'intercom.call', (e) => e.state === 'connected' || e.state === 'ended');
        const released = waitBus(bus, 'input.changed', (e) => e.index === 0 && !e.active);
        gpio.press(pushLine);
        gpio.release(pushLine);
        await released;
        const c = await connected;
        if (c.state !== 'connected' || !c.call) throw new Error(`call ${k + 1}: ${c.state} (${c.reason ?? ''})`);
        const closed = waitBus(bus, 'call.closed', (e) => e.call.id === c.call!.id);
        const ended = waitBus(bus, 'intercom.call', (e) => e.id === c.id && e.state === 'ended');
        await sip.hangup(c.call.id);
        await closed;
        await ended;
      }
    },
    busEvents(n) {
      for (let k = 0; k < n; k++, events++) emitters[events % emitters.length]!(events, clock.now());
    },
    async stop() {
      await agent.stop();
    },
  };
}

/** The first `event` on the bus that matches, within `ms` (an agent that stops answering fails the load). */
function waitBus<E extends keyof AgentEvents>(
  bus: Agent['ctx']['bus'],
  event: E,
  match: (p: AgentEvents[E]) => boolean,
  ms = 10_000,
): Promise<AgentEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(event)} within ${ms} ms`));
    }, ms);
    const off = bus.on(event, (p) => {
      if (!match(p)) return;
      off();
      clearTimeout(timer);
      resolve(p);
    });
  });
}
