/**
 * Heap stays flat: one agent process under load, its heap used after a forced GC at the start and
 * at the end, next to each other (goal: the end within 10% of the start).
 *
 * The agent is built as `portier run` builds it (createAgent: every part in production's order),
 * with the sim HAL, logging at info to /dev/null, in this process. The load, in this order:
 * - 10,000 config changes, applied as the API applies them (validated, written atomically,
 *   `config.changed` to every part; a fifth of them reconfigure the relays, a fifth the SIP accounts);
 * - 1,000 calls through the real baresip engine: push button pressed on the sim HAL → the configured
 *   number, a second baresip in its own process that answers by itself → established → hung up;
 * - 100,000 bus events (input, relay, registration and alarm events through every listener).
 * Warm-up first: 1,000 calls (so that the call log, bounded to its newest 1,000 entries, is full),
 * 100 config changes, 1,000 events. Next to the heap: the bus listeners, the clock's pending timers,
 * the engine's calls and the process's active handles, which must not grow with the load.
 *
 *   node --import tsx bench/heap.bench.ts [--changes N] [--calls N] [--events N] [--warmup-calls N]
 * (re-runs itself with --expose-gc when started without it)
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../core/index.ts';
import { type Holdings, loadedAgent } from '../test/harness/agent-load.ts';
import { startAnsweringPeer } from './lib/answering-peer.ts';
import { fmt } from './lib/stats.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
const { values } = parseArgs({
  options: {
    changes: { type: 'string' },
    calls: { type: 'string' },
    events: { type: 'string' },
    'warmup-calls': { type: 'string' },
  },
});
const CHANGES = Number(values.changes ?? 10_000);
const CALLS = Number(values.calls ?? 1_000);
const EVENTS = Number(values.events ?? 100_000);
const WARMUP_CALLS = Number(values['warmup-calls'] ?? 1_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MB`;

/** Heap used after full GCs, once what the load left in flight (log writes, timers of 0 ms) settled. */
async function heapAfterGc(): Promise<number> {
  await sleep(500);
  for (let i = 0; i < 3; i++) {
    gc!();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
}

const handles = (h: Holdings) =>
  Object.entries(h.resources)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

const work = await mkdtemp(join(tmpdir(), 'portier-bench-heap-'));
const peer = await startAnsweringPeer(join(work, 'peer'));
// every line is formatted as on the device, then dropped
const log = createLogger({ level: 'info', destination: { write: () => {} } });
const a = await loadedAgent({ peerUri: peer.uri, dataDir: join(work, 'agent'), log });
try {
  await a.calls(WARMUP_CALLS);
  await a.configChanges(100);
  a.busEvents(1_000);
  const start = await heapAfterGc();
  const h0 = a.holdings();
  const rss0 = process.memoryUsage().rss;

  const phases: { name: string; ms: number; heap: number }[] = [];
  const phase = async (name: string, fn: () => unknown) => {
    const t = performance.now();
    await fn();
    const ms = performance.now() - t;
    phases.push({ name, ms, heap: await heapAfterGc() });
  };
  await phase(`${CHANGES.toLocaleString('en')} config changes`, () => a.configChanges(CHANGES));
  await phase(`${CALLS.toLocaleString('en')} calls (baresip, answered, hung up)`, () => a.calls(CALLS));
  await phase(`${EVENTS.toLocaleString('en')} bus events`, () => a.busEvents(EVENTS));
  const end = phases.at(-1)!.heap;
  const h1 = a.holdings();

  const line = (name: string, value: string, ref: string) =>
    console.log(`${name.padEnd(52)} ${value.padStart(12)}   ${ref}`);
  line('heap used after GC: start (after warm-up)', mb(start), '');
  for (const p of phases) line(`  after ${p.name}`, mb(p.heap), `(load took ${fmt(p.ms)})`);
  const change = (end - start) / start;
  line(
    'heap used after GC: end',
    mb(end),
    `start ${mb(start)}, change ${(change * 100).toFixed(1)}% (goal within 10%: ${Math.abs(change) <= 0.1 ? 'met' : 'NOT met'})`,
  );
  line('RSS: end', mb(process.memoryUsage().rss), `start ${mb(rss0)}`);
  line('bus listeners: end', String(h1.listeners), `start ${h0.listeners}`);
  line("pending timers of the agent's clock: end", String(h1.timers), `start ${h0.timers}`);
  line('calls the SIP engine still holds: end', String(h1.calls), `start ${h0.calls}`);
  console.log(`active handles at start: ${handles(h0)}`);
  console.log(`active handles at end:   ${handles(h1)}`);
} finally {
  await a.stop();
  await peer.stop();
  await rm(work, { recursive: true, force: true });
}
