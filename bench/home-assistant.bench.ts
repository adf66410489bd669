/**
 * Home Assistant benchmark against a real mosquitto (TLS, passwords, ACL): a push button press →
 * the `ring` event at a subscriber playing Home Assistant, p50/p99 over 100 presses, next to a bare
 * MQTT publish → receive (QoS 1, same broker, same TLS) in the same run. The press is timed from the
 * simulated GPIO edge (the push button's debounce set to 0 ms: a real button adds its debounce, 50 ms
 * by default) to the event's arrival at the subscriber.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { noDelay } from '../agent/cloud/client.ts';
import { startAgent, until } from '../test/harness/agent.ts';
import { type Mosquitto, startMosquitto } from '../test/harness/mosquitto.ts';
import { stopAll } from '../test/harness/processes.ts';
import { fmt, percentile } from './lib/stats.ts';

const PRESSES = 100;
const WARMUP = 10;
const ID = '0c1105be00a1';

async function connect(b: Mosquitto, user: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(b.url, { ...b.device(user), ca: b.ca, protocolVersion: 5, reconnectPeriod: 0 });
  noDelay(c);
  return c;
}

function line(name: string, v: number[], refName: string, ref: number[]): void {
  const p = (x: number[], q: number) => fmt(percentile(x, q));
  console.log(
    `${name.padEnd(46)} p50 ${p(v, 50).padStart(9)}  p99 ${p(v, 99).padStart(9)}   reference (${refName}): p50 ${p(ref, 50)}  p99 ${p(ref, 99)}`,
  );
}

/** Bare publish → receive through the broker (QoS 1, TLS), between two clients. */
async function bare(b: Mosquitto): Promise<number[]> {
  const pub = await connect(b, 'door');
  const sub = await connect(b, 'ha');
  await sub.subscribeAsync('portier/bench/bare', { qos: 1 });
  let arrived: () => void = () => {};
  sub.on('message', () => arrived());
  const out: number[] = [];
  for (let i = 0; i < PRESSES + WARMUP; i++) {
    const got = new Promise<void>((r) => {
      arrived = r;
    });
    const t = performance.now();
    await pub.publishAsync('portier/bench/bare', JSON.stringify({ event_type: 'ring', button: 'Push button' }), {
      qos: 1,
    });
    await got;
    if (i >= WARMUP) out.push(performance.now() - t);
  }
  await Promise.all([pub.endAsync(), sub.endAsync()]);
  return out;
}

async function presses(b: Mosquitto): Promise<number[]> {
  const door = b.device('door');
  const agent = await startAgent({
    config: {
      identity: { mac: ID.toUpperCase().match(/../g)!.join(':') },
      inputs: [{ debounceMs: 0 }],
      homeAssistant: { enabled: true, brokerUrl: b.url, caFile: b.caFile, ...door },
    },
  });
  try {
    const ha = await connect(b, 'ha');
    await ha.subscribeAsync(`portier/${ID}/doorbell`, { qos: 1 });
    let arrived: () => void = () => {};
    ha.on('message', () => arrived());
    const { services } = agent.agent.ctx;
    await until(() => agent.logs.some((l) => l.msg === 'home assistant: discovery published'), 'discovery', 400);
    const ring: number[] = [];
    for (let i = 0; i < PRESSES + WARMUP; i++) {
      const got = new Promise<void>((r) => {
        arrived = r;
      });
      const t0 = performance.now();
      services.simGpio!.press('PUSH_BUTTON');
      await got;
      const ms = performance.now() - t0;
      if (i >= WARMUP) ring.push(ms);
      services.simGpio!.release('PUSH_BUTTON');
      await until(() => !services.inputs!.states()[0]!.active, 'the release', 400);
    }
    await ha.endAsync();
    return ring;
  } finally {
    await agent.stop();
  }
}

const broker = await startMosquitto({
  devices: ['door', 'ha'],
  acl: [
    'user door',
    'topic readwrite homeassistant/#',
    'topic readwrite portier/#',
    '',
    'user ha',
    'topic readwrite homeassistant/#',
    'topic readwrite portier/#',
  ],
});
try {
  const ref = await bare(broker);
  const ring = await presses(broker);
  line(`press → ring at the subscriber (${PRESSES})`, ring, 'bare publish → receive, QoS 1', ref);
  console.log('  (from the GPIO edge, debounce 0 ms; a real button adds its debounce, 50 ms by default)');
} finally {
  await stopAll();
  await broker.close();
}
