/** Bus events as the cloud sees them, the status rate limit, and autop jobs by URL. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Bus } from '../../agent/bus.ts';
import { forwardEvents } from '../../agent/cloud/events.ts';
import { autopHandler } from '../../agent/cloud/jobs/autop.ts';
import type { JobContext } from '../../agent/cloud/jobs/handler.ts';
import type { AutopJob, CloudEvent } from '../../agent/cloud/protocol/index.ts';
import { StandingCommands } from '../../agent/cloud/standing.ts';
import { RateLimited } from '../../agent/cloud/status.ts';
import { ConfigStore } from '../../agent/config/index.ts';
import { FakeClock, silentLogger } from '../../core/index.ts';

describe('cloud events', () => {
  it('a door opening: relay, name, method, actor, caller; unique id, UTC time, uptime', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 29, 12, 0, 0));
    const bus = new Bus();
    const sent: [string, CloudEvent][] = [];
    const fwd = forwardEvents({ bus, clock, startedAt: clock.monotonic(), sink: (t, e) => sent.push([t, e]) });
    await clock.advance(90_000);
    const call = {
      id: 'c1',
      direction: 'outgoing',
      account: null,
      peer: 'sip:monitor@10.0.0.5',
      peerName: '',
      state: 'established',
      startedAt: 0,
    } as const;
    bus.emit('door.opened', {
      relay: 0,
      name: 'Door',
      method: 'dtmf',
      actor: 'sip:monitor@10.0.0.5',
      call,
      at: clock.now(),
    });
    bus.emit('input.changed', {
      index: 1,
      name: 'Exit button',
      role: 'exit-button',
      active: true,
      at: 0,
      timestampMs: 0,
    });
    fwd.job({ id: 'j1', type: 'reboot', status: 'IN_PROGRESS', step: 'restarting' });
    assert.deepEqual(
      sent.map(([t]) => t),
      ['door', 'input', 'job'],
    );
    const [, door] = sent[0]!;
    assert.deepEqual(door.params, {
      relay: 1,
      name: 'Door',
      method: 'dtmf',
      actor: 'sip:monitor@10.0.0.5',
      callId: 'c1',
      caller: 'sip:monitor@10.0.0.5',
    });
    assert.equal(door.utcTime, '2026-11-29T12:01:30.000Z');
    assert.equal(door.upTime, 90);
    assert.equal(new Set(sent.map(([, e]) => e.id)).size, 3);
    fwd.off();
    bus.emit('door.opened', { relay: 0, name: 'Door', method: 'api', actor: 'admin', at: 0 });
    assert.equal(sent.length, 3, 'unsubscribed');
  });

  it('the status is republished at most once a second, with the newest state', async () => {
    const clock = new FakeClock();
    let n = 0;
    const r = new RateLimited(clock, () => n++);
    r.request();
    assert.equal(n, 1, 'the first at once');
    for (let i = 0; i < 10; i++) r.request();
    assert.equal(n, 1);
    await clock.advance(999);
    assert.equal(n, 1);
    await clock.advance(1);
    assert.equal(n, 2, 'the others coalesced into one, a second later');
    await clock.advance(5000);
    assert.equal(n, 2);
  });
});

describe('autop job by URL', () => {
  it('fetches the file, checks its SHA-256, applies it; a wrong checksum changes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portier-autop-url-'));
    try {
      const store = new ConfigStore({ dataDir: dir, clock: new FakeClock(), log: silentLogger() });
      await store.load();
      const standing = new StandingCommands({ file: join(dir, 'standing.cfg'), store, log: silentLogger() });
      const file = Buffer.from('Config.DeviceInfo.DEVICEINFO.Location = From URL\n');
      const sum = createHash('sha256').update(file).digest('hex');
      const fetched: string[] = [];
      const h = autopHandler({
        store,
        standing,
        fetch: async (url) => {
          fetched.push(url);
          return file;
        },
      });
      const ctx = (doc: AutopJob): JobContext<AutopJob> => ({
        id: 'j',
        doc,
        cancelled: false,
        progress: async () => {},
        commit: async () => {},
      });
      const bad = await h.run(ctx({ type: 'autop', url: 'https://x/a.cfg', sha256: 'f'.repeat(64), once: true }));
      assert.equal(bad !== 'pending' && bad.status, 'REJECTED');
      assert.match(String(bad !== 'pending' && bad.details), /sha256: the file's is [0-9a-f]{64}, the job says f{64}/);
      assert.equal(store.get().identity.location, '');
      const ok = await h.run(ctx({ type: 'autop', url: 'https://x/a.cfg', sha256: sum, once: true }));
      assert.equal(ok !== 'pending' && ok.status, 'SUCCEEDED');
      assert.equal(store.get().identity.location, 'From URL');
      assert.deepEqual(fetched, ['https://x/a.cfg', 'https://x/a.cfg']);
      assert.equal(standing.lines, '', 'once: not kept as standing commands');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
