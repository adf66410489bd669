/**
 * Incoming calls at the door, measured on the wire by a UDP SIP caller (test/harness/udp-caller.ts:
 * the time each datagram is sent or received), each figure next to its reference measured in the
 * same run, the samples of both alternating (issue 10, findings 4 and 6):
 * 1. INVITE sent → 200 OK received, auto-answer for IP calls on with delay 0 (the whole agent
 *    in-process: sim HAL, real engine, the caller on the allow-list); reference: a bare baresip with
 *    the engine's config and an account with `answermode=auto` (baresip answers by itself).
 * 2. DTMF: the first RFC 4733 packet of a 3-packet `#` (no audio) sent → relay A energized (bus
 *    `relay.changed`, emitted right after the line was set); reference: the same digit →
 *    `CALL_DTMF_START` read from a bare baresip's ctrl_tcp.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type TestAgent, until } from '../test/harness/agent.ts';
import { stopAll } from '../test/harness/processes.ts';
import { type OutCall, UdpCaller } from '../test/harness/udp-caller.ts';
import { bareBaresip, benchSettings } from './lib/bare-baresip.ts';
import { fmt, median, percentile } from './lib/stats.ts';

const CALLS = 50;
const WARMUP = 5;
const DIGITS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p50p99 = (v: number[]) => `p50 ${fmt(median(v))} p99 ${fmt(percentile(v, 99))}`;
const line = (name: string, value: string, ref: string) =>
  console.log(`${name.padEnd(56)} ${value.padStart(24)}   reference: ${ref}`);

const work = await mkdtemp(join(tmpdir(), 'portier-bench-answer-'));
let door: TestAgent | undefined;
let caller: UdpCaller | undefined;
let bare: Awaited<ReturnType<typeof bareBaresip>> | undefined;
try {
  caller = await UdpCaller.start();
  door = await startAgent({
    dev: false,
    config: {
      callFeature: { callers: { allowList: ['127.0.0.1'] }, autoAnswerIp: { enabled: true, delay: 0 } },
      relays: { 0: { dtmfCode: '#', holdTime: 1 } },
      intercom: { hangUpAfterOpen: { enabled: false } },
    },
  });
  const a = door;
  const sip = a.agent.ctx.services.sip!;
  const doorUri = `sip:portier@127.0.0.1:${a.agent.ctx.config.get().directIp.port}`;
  const settings = await benchSettings();
  bare = await bareBaresip(settings, join(work, 'bare'));
  const b = bare;
  const bareUri = `sip:bench@127.0.0.1:${settings.sipPort}`;
  const made = await b.ctrl.cmd('uanew', `<${bareUri}>;regint=0;answermode=auto`);
  if (!made.ok) throw new Error(`bare baresip: uanew failed: ${made.data}`);
  const noCallAtDoor = () => until(() => sip.calls().length === 0, 'no call at the door');

  /** One call: INVITE → final reply; returns the call (answered) and the time to 200 OK. */
  const answered = async (uri: string): Promise<{ call: OutCall; ms: number }> => {
    const call = caller!.invite(uri);
    const final = await call.final;
    if (final.code !== 200) throw new Error(`${uri} answered ${final.code}`);
    call.ack();
    return { call, ms: final.at - call.sentAt };
  };

  // ---- 1. INVITE → 200 OK ----
  const viaDoor: number[] = [];
  const viaBare: number[] = [];
  for (let i = 0; i < CALLS + WARMUP; i++) {
    const d = await answered(doorUri);
    await d.call.bye();
    await noCallAtDoor();
    const from = b.events.length;
    const r = await answered(bareUri);
    const closed = b.waitEvent('CALL_CLOSED', from);
    await r.call.bye();
    await closed;
    if (i >= WARMUP) {
      viaDoor.push(d.ms);
      viaBare.push(r.ms);
    }
    await sleep(10);
  }
  line(
    `INVITE → 200 OK, auto-answer delay 0, ${CALLS} calls`,
    p50p99(viaDoor),
    `bare baresip answermode=auto: ${p50p99(viaBare)}`,
  );
  console.log(
    `${'  the agent adds at p50'.padEnd(56)} ${fmt(median(viaDoor) - median(viaBare)).padStart(24)}   (target: door under 5 ms at p50: ${median(viaDoor) < 5 ? 'met' : 'NOT met'})`,
  );

  // ---- 2. first RFC 4733 packet → relay A energized; reference: → CALL_DTMF_START at bare baresip ----
  const relayOn = () =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error('relay A was not switched on'));
      }, 10_000);
      const off = a.agent.ctx.bus.on('relay.changed', (r) => {
        if (r.index !== 0 || !r.on) return;
        const at = performance.now();
        clearTimeout(timer);
        off();
        resolve(at);
      });
    });
  const relays = a.agent.ctx.services.relays!;
  const d = await answered(doorUri);
  const fromB = b.events.length;
  const r = await answered(bareUri);
  await b.waitEvent('CALL_ESTABLISHED', fromB);
  const dtmfDoor: number[] = [];
  const dtmfBare: number[] = [];
  for (let i = 0; i < DIGITS + 1; i++) {
    const on = relayOn();
    const t0 = await d.call.sendDtmf('#', { packets: 3, endCopies: 1 });
    const at = await on;
    const from = b.events.length;
    const got = b.waitEvent('CALL_DTMF_START', from);
    const t1 = await r.call.sendDtmf('#', { packets: 3, endCopies: 1 });
    const [e] = await got;
    if (i > 0) {
      dtmfDoor.push(at - t0);
      dtmfBare.push(e!.at - t1);
    }
    await until(() => !relays.states()[0]!.on, 'relay A off again', 400);
    await sleep(20 + Math.random() * 20);
  }
  line(
    `first RFC 4733 packet → relay A on, 3-packet '#', ${DIGITS}`,
    p50p99(dtmfDoor),
    `→ CALL_DTMF_START at bare baresip: ${p50p99(dtmfBare)}`,
  );
  await d.call.bye();
  const closedB = b.waitEvent('CALL_CLOSED', b.events.length);
  await r.call.bye();
  await closedB;
  await noCallAtDoor();
} finally {
  caller?.close();
  bare?.ctrl.close();
  await bare?.proc.stop();
  await door?.stop();
  await stopAll();
  await rm(work, { recursive: true, force: true });
}
