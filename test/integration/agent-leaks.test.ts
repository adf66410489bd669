/**
 * No listener, timer or handle kept per call, per config change or per bus event: one agent built as
 * `portier run` builds it (sim HAL, real baresip engine), a load of each kind, and what it holds
 * afterwards (bus listeners, pending timers of its clock, calls, the process's active handles)
 * compared with what it held before. Counts, never time; the heap figures are bench/heap.bench.ts.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { until } from '../harness/agent.ts';
import { type Holdings, type LoadedAgent, loadedAgent } from '../harness/agent-load.ts';
import { BaresipPeer } from '../harness/baresip-peer.ts';
import { stopAll } from '../harness/processes.ts';

let peer: BaresipPeer;
let a: LoadedAgent;

before(async () => {
  peer = await BaresipPeer.start({ name: 'leak-peer', answer: 'auto' });
  a = await loadedAgent({ peerUri: peer.directUri });
  // warm-up: every path taken once (first calls, first change of each kind)
  await a.calls(2);
  await a.configChanges(10);
  a.busEvents(100);
});

after(async () => {
  await a?.stop();
  await peer?.stop();
  await stopAll();
});

/** Handles only: requests (file system, writes) in flight come and go. */
function steady(h: Holdings) {
  const handles = Object.fromEntries(
    Object.entries(h.resources).filter(
      ([k]) => k === 'Timeout' || (k.endsWith('Wrap') && !k.endsWith('ReqWrap') && k !== 'WriteWrap'),
    ),
  );
  return { listeners: h.listeners, timers: h.timers, calls: h.calls, handles };
}

/** The counts of `now` that are above those of `before` (none: nothing kept). */
function grown(before: ReturnType<typeof steady>, now: ReturnType<typeof steady>): Record<string, string> {
  const out: Record<string, string> = {};
  const flat = (s: ReturnType<typeof steady>): Record<string, number> => ({
    listeners: s.listeners,
    timers: s.timers,
    calls: s.calls,
    ...Object.fromEntries(Object.entries(s.handles).map(([k, v]) => [`handles.${k}`, v])),
  });
  const b = flat(before);
  for (const [k, v] of Object.entries(flat(now))) if (v > (b[k] ?? 0)) out[k] = `${b[k] ?? 0} → ${v}`;
  return out;
}

/** Once the load settled (log writes, closing calls), the agent holds no more than `before`. */
async function assertHoldsNoMore(before: ReturnType<typeof steady>, what: string) {
  const settled = () => Object.keys(grown(before, steady(a.holdings()))).length === 0;
  await until(settled, `${what}: the agent to settle`, 80).catch(() => undefined);
  assert.deepEqual(grown(before, steady(a.holdings())), {}, `${what}: the agent holds more than before`);
}

it('calls through the real engine leave no listener, timer, call or handle behind', async () => {
  const before = steady(a.holdings());
  await a.calls(20);
  await assertHoldsNoMore(before, '20 calls');
});

it('config changes of every kind leave no listener, timer or handle behind', async () => {
  const before = steady(a.holdings());
  await a.configChanges(100);
  await assertHoldsNoMore(before, '100 config changes');
});

it('bus events leave no listener, timer or handle behind', async () => {
  const before = steady(a.holdings());
  a.busEvents(5000);
  await assertHoldsNoMore(before, '5,000 bus events');
});
