/** The cloud link's reconnect logic with a fake connection and a fake clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../agent/cloud/backoff.ts';
import type { Connector, Incoming, LinkClient } from '../../agent/cloud/client.ts';
import { CloudLink } from '../../agent/cloud/link.ts';
import type { BrokerSettings } from '../../agent/cloud/settings.ts';
import { FakeClock, silentLogger } from '../../core/index.ts';

class FakeConn implements LinkClient {
  connect?: () => void;
  message?: (m: Incoming) => void;
  close?: () => void;
  error?: (e: Error) => void;
  published: { topic: string; payload: string; retain: boolean }[] = [];
  subscribed: string[] = [];
  ended = false;
  constructor(readonly settings: BrokerSettings) {}
  onConnect(fn: () => void) {
    this.connect = fn;
  }
  onMessage(fn: (m: Incoming) => void) {
    this.message = fn;
  }
  onClose(fn: () => void) {
    this.close = fn;
  }
  onError(fn: (e: Error) => void) {
    this.error = fn;
  }
  async subscribe(list: string[]) {
    this.subscribed.push(...list);
    return [];
  }
  async publish(topic: string, payload: string, opts: { retain: boolean }) {
    this.published.push({ topic, payload, retain: opts.retain });
  }
  async end() {
    this.ended = true;
    this.close?.();
  }
}

const settings = (url = 'mqtts://broker:8883'): BrokerSettings => ({
  url,
  deviceId: '0c1105000001',
  username: '0c1105000001',
  password: 'secret-pw',
  connectType: 'tls',
});

function rig(random = () => 0.5) {
  const clock = new FakeClock();
  const conns: FakeConn[] = [];
  const connector: Connector = (s) => {
    const c = new FakeConn(s);
    conns.push(c);
    return c;
  };
  const link = new CloudLink({
    connector,
    clock,
    log: silentLogger(),
    will: (id) => ({ topic: `portier/v1/${id}/status`, payload: '{"state":"offline"}' }),
    backoff: new Backoff({ random }),
  });
  return { clock, conns, link };
}

describe('backoff', () => {
  it('full jitter between 0 and min(cap, 1 s * 2^n); reset starts over', () => {
    const b = new Backoff({ random: () => 0.999 });
    const ceilings = Array.from({ length: 10 }, () => {
      const c = b.ceiling();
      b.next();
      return c;
    });
    assert.deepEqual(ceilings, [1000, 2000, 4000, 8000, 16000, 32000, 64000, 120000, 120000, 120000]);
    b.reset();
    assert.equal(b.ceiling(), 1000);
    const zero = new Backoff({ random: () => 0 });
    assert.equal(zero.next(), 0, 'full jitter: the delay may be 0');
  });

  it('draws the delays at random within the ceiling', () => {
    let i = 0;
    const draws = [0.1, 0.9, 0.5];
    const b = new Backoff({ random: () => draws[i++]! });
    assert.deepEqual([b.next(), b.next(), b.next()], [100, 1800, 2000]);
  });
});

describe('cloud link', () => {
  it('retries with growing delays, resets them after the link held 20 s', async () => {
    const { clock, conns, link } = rig(() => 0.999);
    await link.configure(settings());
    assert.equal(conns.length, 1);
    assert.equal(link.status.state, 'connecting');
    conns[0]!.close!(); // refused
    assert.equal(link.status.state, 'waiting');
    assert.equal(link.status.retryInMs, 999);
    await clock.advance(998);
    assert.equal(conns.length, 1, 'not before the delay');
    await clock.advance(1);
    assert.equal(conns.length, 2);
    conns[1]!.close!();
    assert.equal(link.status.retryInMs, 1998);
    await clock.advance(1998);
    conns[2]!.connect!();
    await clock.advance(0);
    assert.equal(link.status.state, 'online');
    assert.deepEqual(conns[2]!.subscribed, [
      'portier/v1/0c1105000001/jobs/+',
      'portier/v1/0c1105000001/jobs/+/cancel',
      'portier/v1/0c1105000001/web/+/req/+',
    ]);
    // lost after 5 s: the backoff goes on growing (3rd failure)
    await clock.advance(5000);
    conns[2]!.close!();
    assert.equal(link.status.retryInMs, 3996);
    await clock.advance(3996);
    conns[3]!.connect!();
    await clock.advance(20_000); // held 20 s
    conns[3]!.close!();
    assert.equal(link.status.retryInMs, 999, 'reset after holding');
    await link.stop();
  });

  it('new settings reconnect at once; the same settings change nothing', async () => {
    const { clock, conns, link } = rig();
    await link.configure(settings());
    conns[0]!.connect!();
    await clock.advance(0);
    await link.configure(settings());
    assert.equal(conns.length, 1);
    await link.configure(settings('mqtts://other:8883'));
    assert.equal(conns.length, 2);
    assert.ok(conns[0]!.ended);
    assert.equal(conns[1]!.settings.url, 'mqtts://other:8883');
    await link.configure(undefined, 'cloud.enabled is off');
    assert.equal(link.status.state, 'disabled');
    assert.ok(conns[1]!.ended);
    await clock.advance(300_000);
    assert.equal(conns.length, 2, 'no retry once disabled');
  });

  it('queues what is published offline (newest retained value per topic) and sends it when back', async () => {
    const { clock, conns, link } = rig();
    await link.configure(settings());
    link.publish('t/status', 'a', { retain: true });
    link.publish('t/events/x', 'e1', { retain: false });
    link.publish('t/status', 'b', { retain: true });
    conns[0]!.connect!();
    await clock.advance(0);
    assert.deepEqual(
      conns[0]!.published.map((p) => `${p.topic}=${p.payload}`),
      ['t/events/x=e1', 't/status=b'],
    );
    link.publish('t/events/x', 'e2', { retain: false });
    assert.equal(conns[0]!.published.at(-1)!.payload, 'e2');
  });

  it('the status never carries the password', async () => {
    const { link } = rig();
    const seen: string[] = [];
    link.events.on('state', (s) => seen.push(JSON.stringify(s)));
    await link.configure(settings());
    assert.ok(seen.length > 0);
    for (const s of seen) assert.doesNotMatch(s, /secret-pw/);
    assert.match(seen[0]!, /mqtts:\/\/broker:8883 as 0c1105000001/);
  });
});
