/**
 * A bench for unit tests of call features: fake clock, fake SIP engine, recording relays, the door
 * owner, a config that can change. Features are built by the agent's own createFeatures (in its
 * order); a test starts those it names.
 */

import { Bus } from '../../../agent/bus.ts';
import { type Config, changedKeys, defaultConfig, mergePatch, validateConfig } from '../../../agent/config/index.ts';
import { Door } from '../../../agent/door/index.ts';
import { createFeatures, type FeatureDeps, type FeatureIo } from '../../../agent/features/index.ts';
import { nullSink } from '../../../agent/features/support/audio-sink.ts';
import { forwardSipEvents } from '../../../agent/sip-bridge.ts';
import { type Clock, FakeClock, type Module, silentLogger } from '../../../core/index.ts';
import type { RelayService, RelayState } from '../../../hal/types.ts';
import { FakeSipEngine } from '../../../sip/fake.ts';

/** Monday 5 January 2026, 12:00 UTC. */
export const MONDAY_NOON = Date.UTC(2026, 0, 5, 12, 0, 0);

/** Relays that record what they are asked; their names, modes and enabled state come from the config. */
export class RecordingRelays implements RelayService {
  readonly actions: { index: number; action: 'trigger' | 'on' | 'off'; by: string; at: number }[] = [];
  readonly on = new Set<number>();
  constructor(
    private clock: FakeClock,
    private config: () => Config,
  ) {}
  trigger(index: number, by: string): void {
    this.#check(index);
    this.actions.push({ index, action: 'trigger', by, at: this.clock.monotonic() });
    if (this.config().relays[index]?.mode === 'bistable') {
      if (this.on.has(index)) this.on.delete(index);
      else this.on.add(index);
    }
  }
  set(index: number, on: boolean, by: string): void {
    this.#check(index);
    this.actions.push({ index, action: on ? 'on' : 'off', by, at: this.clock.monotonic() });
    if (on) this.on.add(index);
    else this.on.delete(index);
  }
  states(): RelayState[] {
    return this.config().relays.map((r, index) => ({
      index,
      name: r.name,
      enabled: r.enabled,
      mode: r.mode,
      on: this.on.has(index),
      changedAt: 0,
    }));
  }
  /** As the relay bank does: a disabled relay cannot be driven. */
  #check(index: number): void {
    const r = this.config().relays[index];
    if (!r) throw new RangeError(`no relay ${index + 1}`);
    if (!r.enabled) throw new Error(`relay ${index + 1} (${r.name}) is disabled`);
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
  let config = validConfig(patch);
  const relays = new RecordingRelays(clock, () => config);
  const door = new Door({ relays, calls: () => sip.calls(), events: bus, clock, log: silentLogger() });
  const deps: FeatureDeps = { config: { get: () => config }, bus, clock, log: silentLogger(), sip, relays, door };
  const started: Module[] = [];
  return {
    clock,
    bus,
    sip,
    relays,
    door,
    deps,
    get config() {
      return config;
    },
    /**
     * Builds the features with the agent's createFeatures and starts those named (every feature
     * when none is named), in the agent's order. `io` replaces where pages play and how packets
     * arrive; `clock` the clock the features keep time with (an integration test's real clock).
     */
    async features(names: string[] = [], opts: Partial<FeatureIo> & { clock?: Clock } = {}): Promise<Module[]> {
      const all = createFeatures(
        { ...deps, ...(opts.clock ? { clock: opts.clock } : {}) },
        { sinks: opts.sinks ?? nullSink, ...(opts.listen ? { listen: opts.listen } : {}) },
      );
      const unknown = names.filter((n) => !all.some((m) => m.name === n));
      if (unknown.length > 0)
        throw new Error(`no feature ${unknown.join(', ')} (${all.map((m) => m.name).join(', ')})`);
      const chosen = names.length === 0 ? all : all.filter((m) => names.includes(m.name));
      for (const m of chosen) {
        await m.start();
        started.push(m);
      }
      return chosen;
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
