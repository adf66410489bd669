/**
 * Cloud link benchmarks against a real mosquitto (TLS, password file, per-device ACL):
 *  - job round trip: the operator publishes an autop job of 10 lines, the agent applies it, the
 *    operator receives SUCCEEDED; p50/p99 over 100 jobs, next to a bare MQTT publish/subscribe round
 *    trip (request and echo, QoS 1) through the same broker in the same run;
 *  - a fleet on one broker: 500 device links (the real link code, in this one process) connected,
 *    the broker restarted: the time from the first to the last reconnect, the peak of connection
 *    attempts per second with the jittered backoff next to a fixed 1 s retry (measured too), and the
 *    memory per link. `CLOUD_BENCH_NO_FLEET=1` skips the fleet (about two minutes).
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { Backoff } from '../agent/cloud/backoff.ts';
import { type Connector, mqttConnector, noDelay } from '../agent/cloud/client.ts';
import { CloudLink } from '../agent/cloud/link.ts';
import { topics } from '../agent/cloud/protocol/index.ts';
import { RealClock, silentLogger } from '../core/index.ts';
import { startAgent, until } from '../test/harness/agent.ts';
import { type Mosquitto, startMosquitto } from '../test/harness/mosquitto.ts';
import { stopAll } from '../test/harness/processes.ts';
import { fmt, percentile } from './lib/stats.ts';

const JOBS = 100;
const FLEET = 500;
const DEVICE = '0c1105be0001';
const fleetIds = Array.from({ length: FLEET }, (_, i) => `0c11fe${i.toString(16).padStart(6, '0')}`);

async function connect(b: Mosquitto, creds: { username: string; password: string }): Promise<MqttClient> {
  const c = await mqtt.connectAsync(b.url, { ...creds, ca: b.ca, protocolVersion: 5, reconnectPeriod: 0 });
  noDelay(c);
  return c;
}

function line(name: string, v: number[], refName: string, ref: number[]): void {
  const p = (x: number[], q: number) => fmt(percentile(x, q));
  console.log(
    `${name.padEnd(46)} p50 ${p(v, 50).padStart(9)}  p99 ${p(v, 99).padStart(9)}   reference (${refName}): p50 ${p(ref, 50)}  p99 ${p(ref, 99)}`,
  );
}

/** Operator → device job → SUCCEEDED status back, through a real agent. */
async function jobRoundTrips(b: Mosquitto): Promise<number[]> {
  const creds = b.device(DEVICE);
  const agent = await startAgent({
    config: {
      identity: { mac: DEVICE.toUpperCase().match(/../g)!.join(':') },
      cloud: { enabled: true, brokerUrl: b.url, connectType: 'tls', caFile: b.caFile, ...creds },
    },
  });
  try {
    await until(() => agent.agent.ctx.services.cloud!.status().state === 'online', 'online', 400);
    const op = await connect(b, b.operator);
    await op.subscribeAsync(topics.allJobStatus(DEVICE), { qos: 1, rh: 2 });
    const waiting = new Map<string, () => void>();
    op.on('message', (topic, payload) => {
      const jobId = topic.split('/')[4]!;
      if (JSON.parse(payload.toString()).status === 'SUCCEEDED') waiting.get(jobId)?.();
    });
    const out: number[] = [];
    for (let i = 0; i < JOBS + 10; i++) {
      const lines = [
        `Config.DeviceInfo.DEVICEINFO.Location = Bench ${i}`,
        `Config.Features.DOORPHONE.MaxCallTime = ${1 + (i % 10)}`,
        `Config.DoorSetting.RELAY.RelayAName = Door ${i}`,
        `Config.DoorSetting.RELAY.RelayBName = Gate ${i}`,
        'Config.DoorSetting.DTMF.Code1 = #',
        'Config.Settings.CALLTIMEOUT.DialIn = 60',
        'Config.Settings.CALLTIMEOUT.DialOut = 60',
        `Config.DeviceInfo.DEVICEINFO.Name = Bench door ${i}`,
        'Config.Settings.DATETIME.TimeZone = Europe/Berlin',
        'Config.DoorSetting.RELAY.RelayADelay = 3',
      ].join('\n');
      const jobId = `bench-${i}-${randomUUID().slice(0, 8)}`;
      const done = new Promise<void>((r) => waiting.set(jobId, r));
      const t = performance.now();
      await op.publishAsync(topics.job(DEVICE, jobId), JSON.stringify({ type: 'autop', lines, once: true }), {
        qos: 1,
      });
      await done;
      if (i >= 10) out.push(performance.now() - t); // the first 10 warm up
    }
    await op.endAsync();
    return out;
  } finally {
    await agent.stop();
  }
}

/** A request and its echo through the broker, QoS 1: the floor of any job round trip. */
async function bareRoundTrips(b: Mosquitto): Promise<number[]> {
  const op = await connect(b, b.operator);
  const dev = await connect(b, b.device(DEVICE));
  const req = `portier/v1/${DEVICE}/bench/req`;
  const res = `portier/v1/${DEVICE}/bench/res`;
  await dev.subscribeAsync(req, { qos: 1 });
  dev.on('message', (_t, payload) => void dev.publishAsync(res, payload, { qos: 1 }));
  let resolve: () => void = () => {};
  op.on('message', () => resolve());
  await op.subscribeAsync(res, { qos: 1 });
  const out: number[] = [];
  for (let i = 0; i < JOBS + 10; i++) {
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const t = performance.now();
    await op.publishAsync(req, String(i), { qos: 1 });
    await done;
    if (i >= 10) out.push(performance.now() - t);
  }
  await op.endAsync();
  await dev.endAsync();
  return out;
}

type FleetRun = { spreadMs: number; firstMs: number; peakPerS: number; memPerLinkKb: number };

/** 500 links connected, the broker restarted; `fixed`: retry every second instead of the backoff. */
async function fleetRestart(b: Mosquitto, fixed: boolean): Promise<FleetRun> {
  const clock = new RealClock();
  const attempts: number[] = [];
  const onlineAt = new Map<string, number>();
  const counting: Connector = (s, will) => {
    attempts.push(performance.now());
    return mqttConnector(s, will);
  };
  global.gc?.();
  const mem0 = process.memoryUsage();
  const links = fleetIds.map((id) => {
    const link = new CloudLink({
      connector: counting,
      clock,
      log: silentLogger(),
      will: (d) => ({ topic: topics.status(d), payload: '{"state":"offline","reason":"lost"}' }),
      backoff: fixed ? new Backoff({ baseMs: 1000, capMs: 1000, random: () => 0.999 }) : new Backoff(),
    });
    link.events.on('online', () => onlineAt.set(id, performance.now()));
    return { id, link };
  });
  for (const { id, link } of links)
    await link.configure({ url: b.url, deviceId: id, ...b.device(id), connectType: 'tls', ca: b.ca });
  await until(() => onlineAt.size === FLEET, 'the fleet online', 6000);
  global.gc?.();
  const mem1 = process.memoryUsage();
  const memPerLinkKb = (mem1.rss - mem0.rss) / FLEET / 1024;
  await b.stop();
  await new Promise((r) => setTimeout(r, 5000)); // the links retry while the broker is away
  onlineAt.clear();
  attempts.length = 0;
  const t0 = performance.now();
  await b.start();
  await until(() => onlineAt.size === FLEET, 'the fleet back', 12_000);
  const times = [...onlineAt.values()];
  const perSecond = new Map<number, number>();
  for (const a of attempts)
    perSecond.set(Math.floor((a - t0) / 1000), (perSecond.get(Math.floor((a - t0) / 1000)) ?? 0) + 1);
  const run = {
    spreadMs: Math.max(...times) - Math.min(...times),
    firstMs: Math.min(...times) - t0,
    peakPerS: Math.max(...perSecond.values()),
    memPerLinkKb,
  };
  await Promise.all(links.map(({ link }) => link.stop()));
  return run;
}

const broker = await startMosquitto({ devices: [DEVICE, ...fleetIds], maxConnections: 4096 });
try {
  const bare = await bareRoundTrips(broker);
  const jobs = await jobRoundTrips(broker);
  line(`job round trip, autop 10 lines (${JOBS})`, jobs, 'bare MQTT pub/sub round trip, QoS 1', bare);
  if (process.env.CLOUD_BENCH_NO_FLEET) process.exit(0);
  const jitter = await fleetRestart(broker, false);
  const fixed = await fleetRestart(broker, true);
  console.log(
    `${FLEET} links, broker restarted: first reconnect after ${fmt(jitter.firstMs)}, first to last ${fmt(jitter.spreadMs)}   reference (fixed 1 s retry): first ${fmt(fixed.firstMs)}, first to last ${fmt(fixed.spreadMs)}`,
  );
  console.log(
    `${FLEET} links: peak connection attempts per second ${jitter.peakPerS}   reference (fixed 1 s retry): ${fixed.peakPerS}`,
  );
  console.log(`${FLEET} links: memory per link ${jitter.memPerLinkKb.toFixed(1)} KB (RSS growth / links, one process)`);
} finally {
  await stopAll();
  await broker.close();
}
