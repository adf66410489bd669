/** A bench for unit tests of call features: fake clock, fake SIP engine, recording relays, a config that can change. */

import { Bus } from '../../../agent/bus.ts';
import { type Config, changedKeys, defaultConfig, mergePatch, validateConfig } from '../../../agent/config/index.ts';
import type { FeatureDeps } from '../../../agent/features/index.ts';
import { forwardSipEvents } from '../../../agent/sip-bridge.ts';
import { FakeClock, type Module, silentLogger } from '../../../core/index.ts';
import type { RelayService, RelayState } from '../../../hal/types.ts';
import { FakeSipEngine } from '../../../sip/fake.ts';

/** Monday 5 January 2026, 12:00 UTC. */
export const MONDAY_NOON = Date.UTC(2026, 0, 5, 12, 0, 0);

export class RecordingRelays implements RelayService {
  readonly actions: { index: number; action: 'trigger' | 'on' | 'off'; by: string; at: number }[] = [];
  readonly on = new Set<number>();
  constructor(private clock: FakeClock) {}
  trigger(index: number, by: string): void {
    this.actions.push({ index, action: 'trigger', by, at: this.clock.monotonic() });
  }
  set(index: number, on: boolean, by: string): void {
    this.actions.push({ index, action: on ? 'on' : 'off', by, at: this.clock.monotonic() });
    if (on) this.on.add(index);
    else this.on.delete(index);
  }
  states(): RelayState[] {
    return [0, 1, 2].map((index) => ({
      index,
      name: `relay ${index + 1}`,
      enabled: true,
      mode: 'monostable',
      on: this.on.has(index),
      changedAt: 0,
    }));
  }
}

export function validConfig(patch: unknown, base: Config = defaultConfig()): Config {
  const r = validateConfig(mergePatch(base, patch));
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.key}: ${p.message}`).join('\n'));
  return r.config;
}

export function rig(patch: unknown = {}, start = MONDAY_NOON) {
  const clock = new FakeClock(start);
  const bus = new Bus((event, err) => {
    throw Object.assign(new Error(`listener of ${String(event)} threw`), { cause: err });
  });
  const sip = new FakeSipEngine(clock);
  forwardSipEvents(sip.events, bus);
  const relays = new RecordingRelays(clock);
  let config = validConfig(patch);
  const deps: FeatureDeps = { config: { get: () => config }, bus, clock, log: silentLogger(), sip, relays };
  const started: Module[] = [];
  return {
    clock,
    bus,
    sip,
    relays,
    deps,
    get config() {
      return config;
    },
    async start<M extends Module>(m: M): Promise<M> {
      await m.start();
      started.push(m);
      return m;
    },
    async stop(): Promise<void> {
      for (const m of started.splice(0).reverse()) await m.stop();
    },
    /** Changes the config as the store would: validated, then config.changed. */
    setConfig(p: unknown): void {
      const previous = config;
      config = validConfig(p, config);
      bus.emit('config.changed', { keys: changedKeys(previous, config), config, previous, source: 'test' });
    },
    /** Presses (and releases) input `index`. */
    press(index = 0): void {
      const input = config.inputs[index]!;
      const base = { index, name: input.name, role: input.role, at: clock.now(), timestampMs: clock.monotonic() };
      bus.emit('input.changed', { ...base, active: true });
      bus.emit('input.changed', { ...base, active: false });
    },
    /** Lets the microtasks of the fake engine run. */
    settle: () => clock.advance(0),
  };
}
