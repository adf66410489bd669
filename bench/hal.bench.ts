/**
 * HAL benchmarks on the sim driver (real clock): the latency from an input edge to the
 * `input.changed` event, without debounce (the code path alone) and with a 5 ms debounce (the timer
 * it waits for), and from a relay trigger to `relay.changed`. Reference in the same run: a bare
 * typed-emitter event, the floor of any event delivery.
 */
import { RealClock, silentLogger, TypedEmitter } from '../core/index.ts';
import { createGpioDriver, Hal, type InputConfig, SimChip } from '../hal/index.ts';
import { percentile } from './lib/stats.ts';

const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(2)} µs` : `${ms.toFixed(2)} ms`);

const input = (debounceMs: number): InputConfig => ({
  enabled: true,
  name: 'Push button',
  line: 'PUSH_BUTTON',
  activeLevel: 'high',
  debounceMs,
  role: 'push-button',
  openAlarm: 0,
});

async function edgeLatencies(debounceMs: number, edges: number): Promise<number[]> {
  const clock = new RealClock();
  const chip = new SimChip(['RELAY_A', 'PUSH_BUTTON'], clock);
  const hal = new Hal({
    clock,
    log: silentLogger(),
    openDriver: () => createGpioDriver('sim', { log: silentLogger(), sim: chip }),
  });
  await hal.start({ relays: [], inputs: [input(debounceMs)] });
  const out: number[] = [];
  let t = 0;
  let seen: () => void = () => {};
  hal.events.on('input.changed', () => {
    out.push(performance.now() - t);
    seen();
  });
  for (let i = 0; i < edges; i++) {
    const done = new Promise<void>((r) => {
      seen = r;
    });
    t = performance.now();
    if (i % 2 === 0) chip.control.press('PUSH_BUTTON');
    else chip.control.release('PUSH_BUTTON');
    await done;
  }
  await hal.stop();
  return out;
}

async function relayLatencies(n: number): Promise<number[]> {
  const clock = new RealClock();
  const chip = new SimChip(['RELAY_A'], clock);
  const hal = new Hal({
    clock,
    log: silentLogger(),
    openDriver: () => createGpioDriver('sim', { log: silentLogger(), sim: chip }),
  });
  const relay = {
    enabled: true,
    name: 'Door',
    type: 'normal',
    mode: 'bistable',
    holdTime: 3,
    triggerDelay: 0,
    line: 'RELAY_A',
  } as const;
  await hal.start({ relays: [relay], inputs: [] });
  const out: number[] = [];
  let t = 0;
  hal.events.on('relay.changed', () => out.push(performance.now() - t));
  for (let i = 0; i < n; i++) {
    t = performance.now();
    hal.relays.trigger(0, 'bench');
  }
  await hal.stop();
  return out;
}

function emitterLatencies(n: number): number[] {
  const e = new TypedEmitter<{ x: number }>();
  const out: number[] = [];
  let t = 0;
  e.on('x', () => out.push(performance.now() - t));
  for (let i = 0; i < n; i++) {
    t = performance.now();
    e.emit('x', i);
  }
  return out;
}

function line(name: string, values: number[], ref: number[]): void {
  const p = (v: number[], q: number) => fmt(percentile(v, q));
  console.log(
    `${name.padEnd(52)} p50 ${p(values, 50).padStart(9)}  p99 ${p(values, 99).padStart(9)}   reference (bare emitter event): p50 ${p(ref, 50)}  p99 ${p(ref, 99)}`,
  );
}

await edgeLatencies(0, 2000); // warm-up
const ref = emitterLatencies(20_000);
line('sim input edge -> input.changed, no debounce (20k)', await edgeLatencies(0, 20_000), ref);
line('sim input edge -> input.changed, 5 ms debounce (200)', await edgeLatencies(5, 200), ref);
line('relay trigger -> relay.changed, sim line set (20k)', await relayLatencies(20_000), ref);
