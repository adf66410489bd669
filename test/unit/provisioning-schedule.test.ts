/**
 * When provisioning runs, with the fake clock and a fake fetcher: the power-on and repeated runs
 * within their jitter bounds (the random source pinned), hourly, a run during a call waits for the
 * call to end, a mode change reschedules, the standing commands hook runs after an apply only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../agent/config/index.ts';
import { type Fetcher, jitter, powerOnDelay, repeatDelay } from '../../agent/provisioning/index.ts';
import { FakeClock } from '../../core/index.ts';
import { MAC_LOWER, provisioningRig } from '../harness/provisioning-rig.ts';

const MIN = 60_000;

/** Serves `files` by URL path; records every URL asked for. */
function fakeServer(files: Record<string, string>) {
  const asked: string[] = [];
  const fetch: Fetcher = async (url) => {
    asked.push(url.pathname);
    const f = files[url.pathname];
    return f === undefined ? { kind: 'missing', reason: 'HTTP 404' } : { kind: 'ok', data: Buffer.from(f) };
  };
  return { asked, fetch, files };
}

function config(cloud: Record<string, unknown>) {
  const c = defaultConfig();
  return { ...c, cloud: { ...c.cloud, ...cloud } } as typeof c;
}

describe('jitter', () => {
  it('stays within [0, max] for any random value, and hits both bounds', () => {
    for (const r of [0, 1e-9, 0.25, 0.5, 0.999999, 1]) {
      const j = jitter(300_000, () => r);
      assert.ok(j >= 0 && j <= 300_000, `${r} -> ${j}`);
    }
    assert.equal(
      jitter(300_000, () => 0),
      0,
    );
    assert.equal(
      jitter(300_000, () => 0.9999999999),
      300_000,
    );
  });

  it('power on: seconds; repeated: minutes on top of the interval; hourly: 60 min on top', () => {
    const half = () => 0.5;
    assert.equal(powerOnDelay(config({ autopMode: 'power-on', autopPowerOnJitter: 30 }), half), 15_000);
    assert.equal(powerOnDelay(config({ autopMode: 'power-on-repeatedly', autopPowerOnJitter: 30 }), half), 15_000);
    assert.equal(powerOnDelay(config({ autopMode: 'repeatedly' }), half), undefined);
    assert.equal(powerOnDelay(config({ autopMode: 'hourly' }), half), undefined);
    assert.equal(repeatDelay(config({ autopMode: 'power-on' }), half), undefined);
    assert.equal(repeatDelay(config({ autopMode: 'repeatedly', autopInterval: 10, autopJitter: 4 }), half), 12 * MIN);
    assert.equal(
      repeatDelay(config({ autopMode: 'power-on-repeatedly', autopInterval: 30, autopJitter: 0 }), half),
      30 * MIN,
    );
    assert.equal(repeatDelay(config({ autopMode: 'hourly', autopInterval: 10, autopJitter: 2 }), half), 61 * MIN);
  });
});

describe('scheduled runs (fake clock)', () => {
  const files = { '/p/common.cfg': 'Config.Features.DOORPHONE.MaxCallTime = 8\n' };

  it('power on: the first run falls at the jitter the random source gives, not before', async () => {
    for (const [r, at] of [
      [0.999999999, 30_000],
      [0, 0],
      [0.5, 15_000],
    ] as const) {
      const clock = new FakeClock();
      const srv = fakeServer(files);
      const rig = await provisioningRig({
        clock,
        random: () => r,
        fetch: srv.fetch,
        config: { cloud: { autopUrl: 'http://srv/p/', autopMode: 'power-on', autopPowerOnJitter: 30 } },
      });
      try {
        await rig.prov.start();
        if (at > 0) {
          await clock.advance(at - 1);
          assert.equal(srv.asked.length, 0, `random ${r}: nothing before ${at} ms`);
        }
        await clock.advance(at > 0 ? 1 : 0);
        await until(() => rig.changes.length === 1);
        assert.equal(srv.asked[0], '/p/common.cfg', `random ${r}: run at ${at} ms`);
        // power on only: no further run
        assert.equal(clock.pending, 0);
      } finally {
        await rig.close();
      }
    }
  });

  it('repeatedly: every interval plus jitter; a mode change reschedules', async () => {
    const clock = new FakeClock();
    const srv = fakeServer(files);
    const rig = await provisioningRig({
      clock,
      random: () => 0.25,
      fetch: srv.fetch,
      config: { cloud: { autopUrl: 'http://srv/p/', autopMode: 'repeatedly', autopInterval: 10, autopJitter: 4 } },
    });
    try {
      await rig.prov.start();
      // 10 min + 0.25 * 4 min = 11 min
      await clock.advance(11 * MIN - 1);
      assert.equal(srv.asked.length, 0);
      assert.equal((await rig.prov.status()).nextRunAt, new Date(clock.now() + 1).toISOString());
      await clock.advance(1);
      await until(async () => (await rig.prov.status()).runs.length === 1);
      const askedAfterFirst = srv.asked.length;
      await clock.advance(11 * MIN - 1);
      assert.equal(srv.asked.length, askedAfterFirst);
      await clock.advance(1);
      await until(async () => (await rig.prov.status()).runs.length === 2);
      assert.equal((await rig.prov.status()).runs[0]?.outcome, 'unchanged');
      // hourly from now on: 60 min + 1 min
      await rig.store.apply({ cloud: { autopMode: 'hourly' } }, 'test');
      await clock.advance(61 * MIN - 1);
      assert.equal((await rig.prov.status()).runs.length, 2);
      await clock.advance(1);
      await until(async () => (await rig.prov.status()).runs.length === 3);
      assert.equal((await rig.prov.status()).runs[0]?.trigger, 'hourly');
    } finally {
      await rig.close();
    }
  });

  it('a change of the mode while the power-on run is pending keeps that run, then repeats', async () => {
    const clock = new FakeClock();
    const srv = fakeServer(files);
    const rig = await provisioningRig({
      clock,
      random: () => 0.5,
      fetch: srv.fetch,
      config: {
        cloud: { autopUrl: 'http://srv/p/', autopMode: 'power-on', autopPowerOnJitter: 30, autopJitter: 0 },
      },
    });
    try {
      await rig.prov.start();
      await clock.advance(5000);
      await rig.store.apply({ cloud: { autopMode: 'power-on-repeatedly', autopInterval: 10 } }, 'test');
      await clock.advance(10_000);
      await until(async () => (await rig.prov.status()).runs.length === 1);
      assert.equal((await rig.prov.status()).runs[0]?.trigger, 'power-on');
      await clock.advance(10 * MIN);
      await until(async () => (await rig.prov.status()).runs.length === 2);
      assert.equal((await rig.prov.status()).runs[0]?.trigger, 'repeatedly');
    } finally {
      await rig.close();
    }
  });

  it('a run that falls during a call waits until the last call has ended', async () => {
    const clock = new FakeClock();
    const srv = fakeServer(files);
    const rig = await provisioningRig({
      clock,
      random: () => 0,
      fetch: srv.fetch,
      config: { cloud: { autopUrl: 'http://srv/p/', autopMode: 'power-on' } },
    });
    try {
      rig.calls.open = 2;
      await rig.prov.start();
      await clock.advance(1000);
      assert.equal(srv.asked.length, 0, 'nothing fetched during the call');
      assert.equal((await rig.prov.status()).waitingForCall, true);
      const closed = { call: {} as never, end: {} as never };
      rig.calls.open = 1;
      rig.bus.emit('call.closed', closed);
      await clock.advance(1000);
      assert.equal(srv.asked.length, 0, 'one call still in progress');
      rig.calls.open = 0;
      rig.bus.emit('call.closed', closed);
      await until(() => rig.changes.length === 1);
      assert.equal(rig.store.get().intercom.maxCallTime, 8);
      assert.equal((await rig.prov.status()).waitingForCall, false);
    } finally {
      await rig.close();
    }
  });

  it('the standing commands hook runs after an apply, not after unchanged or rejected files', async () => {
    const srv = fakeServer({ ...files });
    let hooked = 0;
    const rig = await provisioningRig({
      fetch: srv.fetch,
      afterProvisioning: async () => {
        hooked++;
        return { applied: 1, problems: [{ line: 1, key: 'Config.X', message: 'unknown key' }] };
      },
      config: { cloud: { autopUrl: 'http://srv/p/' } },
    });
    try {
      const first = await rig.prov.trigger('api').record;
      assert.equal(first.outcome, 'applied');
      assert.deepEqual(first.standing, { applied: 1, problems: ['line 1: Config.X: unknown key'] });
      assert.equal((await rig.prov.trigger('api').record).outcome, 'unchanged');
      srv.files[`/p/${MAC_LOWER}`] = 'Config.Nope.X.Y = 1\n';
      const bad = await rig.prov.trigger('api').record;
      assert.equal(bad.outcome, 'rejected');
      assert.deepEqual(bad.problems, [`${MAC_LOWER} line 1: Config.Nope.X.Y: unknown key`]);
      assert.equal(hooked, 1);
    } finally {
      await rig.close();
    }
  });
});

describe('SIP PnP in a run', () => {
  it('is asked only when on and no other source gives a URL; its URL is used with source pnp', async () => {
    const srv = fakeServer({ '/pnp/common.cfg': 'Config.Features.DOORPHONE.MaxCallTime = 12\n' });
    let asked = 0;
    const rig = await provisioningRig({
      fetch: srv.fetch,
      pnp: async () => {
        asked++;
        return 'http://pnp-server/pnp/';
      },
      config: { cloud: { autopUrl: '', autopPnp: false } },
    });
    try {
      assert.equal((await rig.prov.trigger('api').record).outcome, 'no-server');
      assert.equal(asked, 0, 'PnP off: not asked');
      await rig.store.apply({ cloud: { autopPnp: true } }, 'test');
      const r = await rig.prov.trigger('api').record;
      assert.equal(asked, 1);
      assert.equal(r.outcome, 'applied');
      assert.equal(r.source, 'pnp');
      assert.equal(r.url, 'http://pnp-server/pnp/');
      assert.equal(rig.store.get().intercom.maxCallTime, 12);
      await rig.store.apply({ cloud: { autopUrl: 'http://srv/p/' } }, 'test');
      assert.equal((await rig.prov.trigger('api').record).source, 'static');
      assert.equal(asked, 1, 'a static URL: PnP not asked');
    } finally {
      await rig.close();
    }
  });
});

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  // the run does real file I/O (the config store, the records): poll until it is done
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
}
