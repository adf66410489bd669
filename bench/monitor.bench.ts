/**
 * Indoor monitor benchmark (issue 13): two agents in this process (a door phone and a Portier indoor
 * monitor, real baresip engines, direct IP on 127.0.0.1) and a bare baresip monitor. Printed:
 *   door press (the moment `simGpio.press` is called) → `monitor.ringing` on the monitor's bus,
 *   next to the reference measured in the same run, samples alternating: the same press → the
 *   INVITE at a bare baresip monitor (its CALL_INCOMING event). Debounce 0 on the door; each call is
 *   declined (486) by the monitor before the next press.
 */
import type { AgentEvents } from '../agent/bus.ts';
import { type TestAgent, until } from '../test/harness/agent.ts';
import { BaresipPeer } from '../test/harness/baresip-peer.ts';
import { stopAll } from '../test/harness/processes.ts';
import { sipUri, startPair } from '../test/integration/monitor-support.ts';
import { fmt, median, percentile } from './lib/stats.ts';

const PRESSES = 50;
const WARMUP = 3;
const BUTTON = 'PUSH_BUTTON';

const p50p99 = (v: number[]) => `p50 ${fmt(median(v))} p99 ${fmt(percentile(v, 99))}`;
const line = (name: string, value: string, ref: string) =>
  console.log(`${name.padEnd(56)} ${value.padStart(24)}   reference: ${ref}`);

function nextBus<E extends keyof AgentEvents>(
  a: TestAgent,
  name: E,
  timeoutMs = 10_000,
): Promise<AgentEvents[E] & { t: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = a.agent.ctx.bus.on(name, (e) => {
      const t = performance.now();
      clearTimeout(timer);
      off();
      resolve({ ...e, t });
    });
  });
}

async function idle(a: TestAgent): Promise<void> {
  const sip = a.agent.ctx.services.sip!;
  if (sip.calls().length > 0) await until(() => sip.calls().length === 0, 'no call', 400);
}

const pair = await startPair({ door: { inputs: { 0: { debounceMs: 0 } } } });
const bare = await BaresipPeer.start({ name: 'bare-monitor', user: 'bare' });
try {
  const { door, monitor } = pair;
  const sim = door.agent.ctx.services.simGpio!;
  const monitorSip = monitor.agent.ctx.services.sip!;
  const numbers = (n: string) => door.agent.ctx.config.apply({ intercom: { pushButton: { numbers: [n] } } }, 'bench');
  const toMonitor: number[] = [];
  const toBare: number[] = [];
  for (let i = 0; i < PRESSES + WARMUP; i++) {
    // the Portier monitor: press → monitor.ringing; it declines
    await numbers(sipUri(monitor));
    await idle(door);
    await idle(monitor);
    let ended = nextBus(door, 'call.closed');
    const ring = nextBus(monitor, 'monitor.ringing');
    let t0 = performance.now();
    sim.press(BUTTON);
    const r = await ring;
    await monitorSip.reject(r.call.id, 486);
    await ended;
    sim.release(BUTTON);
    if (i >= WARMUP) toMonitor.push(r.t - t0);

    // the reference: press → CALL_INCOMING at a bare baresip monitor; it rejects
    await numbers(bare.directUri);
    await idle(door);
    bare.clear();
    ended = nextBus(door, 'call.closed');
    const incoming = bare.waitFor('CALL_INCOMING');
    t0 = performance.now();
    sim.press(BUTTON);
    const e = await incoming;
    await bare.reject();
    await ended;
    sim.release(BUTTON);
    if (i >= WARMUP) toBare.push(e.at - t0);
  }
  line(
    `door press → monitor ringing event, ${PRESSES}`,
    p50p99(toMonitor),
    `press → INVITE at a bare baresip: ${p50p99(toBare)}`,
  );
} finally {
  await bare.stop();
  await pair.stop();
  await stopAll();
}
