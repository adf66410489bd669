/**
 * Door-phone call feature benchmarks (issue 5): the whole agent in-process (sim HAL, real baresip
 * engine, `startAgent`), real baresip peers, everything on 127.0.0.1. Each figure is printed next to
 * its reference measured in the same run, the samples of both alternating:
 * 1. push button edge (the moment `simGpio.press` is called) → INVITE at the peer, direct IP:
 *    a) at a UDP sink that refuses with 486 (the datagram's arrival, as in sip.bench.ts),
 *    b) at a real baresip monitor that rejects (its CALL_INCOMING event),
 *    with the input's debounce set to 0 (the code path alone), and c) with the default 50 ms;
 *    reference: `dial` written by a bare ctrl_tcp client to a second baresip (the engine's config).
 * 2. DTMF '#' sent by a monitor (`sndcode` written) → relay A triggered (bus `door.opened`, emitted
 *    once per matched code right after the relay was driven, so one sample per digit even while a
 *    pulse is extended), 200 digits over 4 calls; reference: the same digit from a second monitor →
 *    CALL_DTMF_START at a bare baresip (transport + baresip alone), on a call alongside. Each
 *    monitor's digits are spaced wider than a digit lasts on the wire (DIGIT_SPACING_MS), else a
 *    digit waits in the sending baresip for the previous one to end and that wait is measured.
 * 3. group call to 8 baresip monitors: press → the 8th CALL_INCOMING; reference: 8 `dial` written at
 *    once by a bare ctrl_tcp client to the same 8 monitors.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentEvents } from '../agent/bus.ts';
import { startAgent, type TestAgent, until } from '../test/harness/agent.ts';
import { BaresipPeer } from '../test/harness/baresip-peer.ts';
import { stopAll } from '../test/harness/processes.ts';
import type { RawCtrl } from '../test/harness/raw-ctrl.ts';
import { SipSink } from '../test/harness/sip-sink.ts';
import { bareBaresip, benchSettings } from './lib/bare-baresip.ts';
import { fmt, median, percentile } from './lib/stats.ts';

const PRESSES = 50;
const DEBOUNCED_PRESSES = 20;
const DIGITS = 200;
const DTMF_CALLS = 4;
const GROUP = 8;
const GROUP_RUNS = 10;
const WARMUP = 3;
/**
 * libre (baresip's RTP stack, telev.c) sends each RFC 4733 digit as at least 9 packets then 3 end
 * packets, one per ptime (20 ms): its sender is busy 240 ms per digit, and a digit written sooner
 * waits in its queue for the previous one to end. Measured with strace on the monitors: digits
 * written ~100 ms after the previous one left ~140 ms later, every 240 ms. Unspaced, that wait was
 * most of the "door" figure (p50 135 ms, the door's digit is sent first in each round) and some of
 * the "bare" one (27 ms); spaced, both are ~11 ms.
 * Each monitor's next digit is written this long after its previous one (+ up to 20 ms, so the
 * packet phase is sampled evenly), so that only transport, packet phase and the receiver count.
 */
const DIGIT_SPACING_MS = 300;
const BUTTON = 'PUSH_BUTTON';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p50p99 = (v: number[]) => `p50 ${fmt(median(v))} p99 ${fmt(percentile(v, 99))}`;
const line = (name: string, value: string, ref: string) =>
  console.log(`${name.padEnd(56)} ${value.padStart(24)}   reference: ${ref}`);

/** The reference baresip with a direct IP account, and `dial` of several uris in one write, as an integrator would. */
async function bareCaller(dir: string) {
  const settings = await benchSettings();
  const bare = await bareBaresip(settings, dir);
  const ua = `sip:bench@127.0.0.1:${settings.sipPort}`;
  const made = await bare.ctrl.cmd('uanew', `<${ua}>;regint=0`);
  if (!made.ok) throw new Error(`bare baresip: uanew failed: ${made.data}`);
  const dial = (...uris: string[]) => bare.ctrl.send(['uafind', ua], ...uris.map((u): [string, string] => ['dial', u]));
  return { ...bare, dial };
}

/** The next bus event of `name` that matches, with the time it was emitted. */
function nextBus<E extends keyof AgentEvents>(
  a: TestAgent,
  name: E,
  match: (e: AgentEvents[E]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<{ e: AgentEvents[E]; at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = a.agent.ctx.bus.on(name, (e) => {
      if (!match(e)) return;
      const at = performance.now();
      clearTimeout(timer);
      off();
      resolve({ e, at });
    });
  });
}

/** Waits until the agent has no call left (a press during a call would be push to hang up). */
async function idle(a: TestAgent): Promise<void> {
  const sip = a.agent.ctx.services.sip!;
  if (sip.calls().length > 0) await until(() => sip.calls().length === 0, 'no call at the door');
}

const work = await mkdtemp(join(tmpdir(), 'portier-bench-features-'));
const peers: BaresipPeer[] = [];
let door: TestAgent | undefined;
let sink: SipSink | undefined;
let bareCtrl: RawCtrl | undefined;
try {
  sink = await SipSink.start(486);
  const sinkUri = `sip:sink@127.0.0.1:${sink.port}`;
  const monitor = await BaresipPeer.start({ name: 'monitor' });
  const monitorB = await BaresipPeer.start({ name: 'monitor-b', user: 'monitorb' });
  peers.push(monitor, monitorB);
  const bare = await bareCaller(join(work, 'bare'));
  bareCtrl = bare.ctrl;
  door = await startAgent({
    dev: false,
    config: {
      inputs: { 0: { debounceMs: 0 } },
      intercom: {
        pushButton: { numbers: [sinkUri], callType: 'group' },
        hangUpAfterOpen: { enabled: false },
      },
      relays: { 0: { holdTime: 1, dtmfCode: '#' } },
      callFeature: { autoAnswerSip: { enabled: false }, autoAnswerIp: { enabled: false } },
    },
  });
  const a = door;
  const sim = a.agent.ctx.services.simGpio!;
  const sip = a.agent.ctx.services.sip!;
  const pushButton = (patch: Record<string, unknown>) => a.agent.ctx.config.apply({ intercom: { pushButton: patch } });

  /**
   * One press (t0: just before `simGpio.press`); `arrived` resolves with what the peer(s) saw, `after`
   * ends the calls. Resolves once the attempt has ended at the door and the button is released.
   */
  const press = async <T>(arrived: () => Promise<T>, after: () => Promise<void> = async () => {}) => {
    await idle(a);
    const ended = nextBus(a, 'intercom.call', (e) => e.state === 'ended');
    const t0 = performance.now();
    sim.press(BUTTON);
    const got = await arrived();
    await after();
    await ended;
    sim.release(BUTTON);
    return { t0, got };
  };

  // ---- 1a. press → INVITE at a UDP sink, no debounce; reference: bare dial ----
  const edgeSink: number[] = [];
  const bareSink: number[] = [];
  for (let i = 0; i < PRESSES + WARMUP; i++) {
    const arrived = sink.next();
    const p = await press(() => arrived);
    if (i >= WARMUP) edgeSink.push(p.got.at - p.t0);
    const from = bare.events.length;
    const arrivedB = sink.next();
    const closed = bare.waitEvent('CALL_CLOSED', from);
    const t0 = performance.now();
    void bare.dial(sinkUri);
    const at = (await arrivedB).at;
    await closed;
    if (i >= WARMUP) bareSink.push(at - t0);
  }
  line(
    `press → INVITE at a UDP sink (486), debounce 0, ${PRESSES}`,
    p50p99(edgeSink),
    `bare ctrl_tcp dial: ${p50p99(bareSink)}`,
  );

  // ---- 1b. press → CALL_INCOMING at a baresip monitor that rejects, no debounce ----
  await pushButton({ numbers: [monitor.directUri] });
  const edgeMon: number[] = [];
  const bareMon: number[] = [];
  for (let i = 0; i < PRESSES + WARMUP; i++) {
    monitor.clear();
    const incoming = monitor.waitFor('CALL_INCOMING');
    const p = await press(
      () => incoming,
      async () => {
        await monitor.reject();
        await monitor.waitFor('CALL_CLOSED');
      },
    );
    if (i >= WARMUP) edgeMon.push(p.got.at - p.t0);
    monitor.clear();
    const from = bare.events.length;
    const incomingB = monitor.waitFor('CALL_INCOMING');
    const closed = bare.waitEvent('CALL_CLOSED', from);
    const t0 = performance.now();
    void bare.dial(monitor.directUri);
    const at = (await incomingB).at;
    await monitor.reject();
    await closed;
    await monitor.waitFor('CALL_CLOSED');
    if (i >= WARMUP) bareMon.push(at - t0);
  }
  line(
    `press → CALL_INCOMING at a baresip monitor, debounce 0`,
    p50p99(edgeMon),
    `bare ctrl_tcp dial: ${p50p99(bareMon)}`,
  );

  // ---- 1c. the same with the default 50 ms debounce, at the UDP sink ----
  await a.agent.ctx.config.apply({ inputs: { 0: { debounceMs: 50 } } });
  await pushButton({ numbers: [sinkUri] });
  const edgeDeb: number[] = [];
  for (let i = 0; i < DEBOUNCED_PRESSES + 1; i++) {
    const arrived = sink.next();
    const p = await press(() => arrived);
    await sleep(70); // the release settles (debounced too) before the next press
    if (i >= 1) edgeDeb.push(p.got.at - p.t0);
  }
  line(
    `press → INVITE at a UDP sink, 50 ms debounce, ${DEBOUNCED_PRESSES}`,
    p50p99(edgeDeb),
    `bare dial (1a) + 50 ms: p50 ${fmt(median(bareSink) + 50)}`,
  );
  await a.agent.ctx.config.apply({ inputs: { 0: { debounceMs: 0 } } });

  // ---- 2. DTMF '#' at the monitor → relay A triggered; reference: → CALL_DTMF_START at a bare baresip ----
  // The digits are spread over a few calls: how long RFC 4733 takes through baresip shifts by up
  // to ~20 ms from one call to the next (the sending baresip's packet phase), whoever receives.
  await pushButton({ numbers: [monitor.directUri] });
  const dtmfDoor: number[] = [];
  const dtmfBare: number[] = [];
  const perCall: string[] = [];
  let relayOff = 0;
  for (let c = 0; c < DTMF_CALLS; c++) {
    monitor.clear();
    monitorB.clear();
    const media = nextBus(a, 'call.media');
    await idle(a);
    sim.press(BUTTON);
    await monitor.waitFor('CALL_INCOMING');
    sim.release(BUTTON);
    await monitor.answer();
    await monitor.waitFor('CALL_RTPESTAB');
    await media;
    const from = bare.events.length;
    void bare.dial(monitorB.directUri);
    await monitorB.waitFor('CALL_INCOMING');
    await monitorB.answer();
    await monitorB.waitFor('CALL_RTPESTAB');
    await bare.waitEvent('CALL_RTPESTAB', from);
    const door1: number[] = [];
    const bare1: number[] = [];
    // when each monitor was last told to send a digit: its next one waits until that one has ended
    let lastDoor = Number.NEGATIVE_INFINITY;
    let lastBare = Number.NEGATIVE_INFINITY;
    const spaced = (last: number) =>
      sleep(Math.max(0, last + DIGIT_SPACING_MS - performance.now()) + Math.random() * 20);
    for (let i = 0; i < DIGITS / DTMF_CALLS + 1; i++) {
      await spaced(lastDoor);
      const opened = nextBus(a, 'door.opened', (e) => e.method === 'dtmf');
      // the first digit of a call goes through sendDtmf, which selects the call in the monitor
      const t0 = i === 0 ? performance.now() : await monitor.sendDtmfToCurrent('#');
      if (i === 0) await monitor.sendDtmf('#');
      lastDoor = t0;
      const o = await opened;
      if (!a.agent.ctx.services.relays!.states()[0]!.on) relayOff++;
      await sleep(30 + Math.random() * 20);
      await spaced(lastBare);
      const fromB = bare.events.length;
      const got = bare.waitEvent('CALL_DTMF_START', fromB);
      const t1 = i === 0 ? performance.now() : await monitorB.sendDtmfToCurrent('#');
      if (i === 0) await monitorB.sendDtmf('#');
      lastBare = t1;
      const [e] = await got;
      await sleep(30 + Math.random() * 20);
      if (i === 0) continue; // warm-up
      door1.push(o.at - t0);
      bare1.push(e!.at - t1);
    }
    dtmfDoor.push(...door1);
    dtmfBare.push(...bare1);
    perCall.push(`${median(door1).toFixed(0)}/${median(bare1).toFixed(0)}`);
    const closedB = bare.waitEvent('CALL_CLOSED', bare.events.length);
    for (const call of sip.calls()) await sip.hangup(call.id).catch(() => {});
    await monitorB.hangup();
    await closedB;
    await monitor.waitFor('CALL_CLOSED');
    await monitorB.waitFor('CALL_CLOSED');
  }
  line(
    `DTMF '#' sndcode → relay A triggered, ${DIGITS} (${DTMF_CALLS} calls)`,
    p50p99(dtmfDoor),
    `→ CALL_DTMF_START at bare baresip: ${p50p99(dtmfBare)}`,
  );
  console.log(
    `  p50 of each call, door/bare: ${perCall.join('  ')} ms (the relay is driven in the call.dtmf dispatch)`,
  );
  if (relayOff) console.log(`  (!) relay A was not energized after ${relayOff} door.opened events`);
  await idle(a);
  await monitor.stop();
  await monitorB.stop();
  peers.length = 0;

  // ---- 3. group call to 8 monitors: press → all 8 INVITEs; reference: 8 bare dials in one write ----
  const group = await Promise.all(
    Array.from({ length: GROUP }, (_, i) => BaresipPeer.start({ name: `monitor${i + 1}`, user: `m${i + 1}` })),
  );
  peers.push(...group);
  await pushButton({ numbers: group.map((m) => m.directUri), callType: 'group' });
  const allDoor: number[] = [];
  const firstDoor: number[] = [];
  const allBare: number[] = [];
  const firstBare: number[] = [];
  const rejectAll = async () => {
    await Promise.all(group.map((m) => m.reject()));
    await Promise.all(group.map((m) => m.waitFor('CALL_CLOSED')));
  };
  for (let i = 0; i < GROUP_RUNS + 1; i++) {
    for (const m of group) m.clear();
    const incoming = Promise.all(group.map((m) => m.waitFor('CALL_INCOMING')));
    const p = await press(() => incoming, rejectAll);
    if (i >= 1) {
      allDoor.push(Math.max(...p.got.map((e) => e.at)) - p.t0);
      firstDoor.push(Math.min(...p.got.map((e) => e.at)) - p.t0);
    }
    for (const m of group) m.clear();
    const from = bare.events.length;
    const incomingB = Promise.all(group.map((m) => m.waitFor('CALL_INCOMING')));
    const closed = bare.waitEvent('CALL_CLOSED', from, GROUP);
    const t0 = performance.now();
    void bare.dial(...group.map((m) => m.directUri));
    const evs = await incomingB;
    await rejectAll();
    await closed;
    if (i >= 1) {
      allBare.push(Math.max(...evs.map((e) => e.at)) - t0);
      firstBare.push(Math.min(...evs.map((e) => e.at)) - t0);
    }
  }
  line(
    `group call to ${GROUP} monitors: press → all ${GROUP} INVITEs, ${GROUP_RUNS}`,
    `p50 ${fmt(median(allDoor))} (1st ${fmt(median(firstDoor))})`,
    `${GROUP} bare dials in one write: p50 ${fmt(median(allBare))} (1st ${fmt(median(firstBare))})`,
  );
} finally {
  sink?.close();
  bareCtrl?.close();
  await door?.stop();
  for (const p of peers) await p.stop().catch(() => {});
  await stopAll();
  await rm(work, { recursive: true, force: true });
}
