/**
 * Live events over real HTTP: the Server-Sent Events stream of the bus (what the UI uses), with
 * filters and Last-Event-ID resume; and the 2N-style log/subscribe + long-poll log/pull.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, startAgent, type TestAgent } from './web-support.ts';

let t: TestAgent;
let c: Client;
let token: string;

before(async () => {
  t = await startAgent();
  c = new Client(t.base);
  assert.equal((await c.setup(t)).status, 200);
  token = (await c.post('/api/v1/auth/tokens', { name: 'integrator', scope: 'read' })).body.result.token;
});
after(async () => {
  await t?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: event payloads are checked field by field
type Sse = { id?: number; event: string; data: any };

/** Opens the SSE stream with the session cookie and reads its events as they come. */
async function openStream(path = '/api/v1/events', headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(t.base + path, { headers: { cookie: c.cookie, ...headers }, signal: ac.signal });
  const events: Sse[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const pump = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => l && !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
          );
          if (f.event)
            events.push({ ...(f.id ? { id: Number(f.id) } : {}), event: f.event, data: JSON.parse(f.data ?? 'null') });
          for (const w of [...waiters]) w();
        }
      }
    } catch {
      // aborted
    }
    ended = true;
    for (const w of [...waiters]) w();
  })();
  const wait = (match: (e: Sse) => boolean) =>
    new Promise<Sse>((resolve, reject) => {
      const check = () => {
        const e = events.find(match);
        if (e) {
          waiters.delete(check);
          resolve(e);
        } else if (ended) {
          waiters.delete(check);
          reject(new Error(`stream ended; got ${events.map((x) => x.event).join(', ')}`));
        }
      };
      waiters.add(check);
      check();
    });
  return {
    res,
    events,
    wait,
    ended: () => pump.then(() => ended),
    close: () => ac.abort(),
  };
}

describe('Server-Sent Events', () => {
  it('needs a login', async () => {
    const r = await fetch(`${t.base}/api/v1/events`);
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.code, 'unauthorized');
  });

  it('streams the bus: relay changes, door openings, config changes (keys only, no secrets)', async () => {
    const s = await openStream();
    try {
      assert.equal(s.res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.ok(s.res.headers.get('content-security-policy'));
      await s.wait((e) => e.event === 'hello');
      await c.post('/api/v1/relays/1/trigger');
      const relay = await s.wait((e) => e.event === 'relay.changed' && e.data.on);
      assert.equal(relay.data.index, 0);
      assert.equal(relay.data.by, 'web:admin');
      const door = await s.wait((e) => e.event === 'door.opened');
      assert.equal(door.data.method, 'api');
      await c.req('PATCH', '/api/v1/config', { body: { accounts: { 0: { password: 'topsecret' } } } });
      const cfg = await s.wait((e) => e.event === 'config.changed');
      assert.deepEqual(cfg.data, { keys: ['accounts.0.password'], source: 'api:admin' });
      assert.ok(!s.events.some((e) => JSON.stringify(e.data).includes('topsecret')));
      // the bus's text arrives as JSON text, never interpreted
      t.agent.ctx.bus.emit('dnd.changed', { account: '<b>1</b>', on: true, at: 1 });
      assert.equal((await s.wait((e) => e.event === 'dnd.changed')).data.account, '<b>1</b>');
    } finally {
      s.close();
    }
  });

  it('filters by event name or family, and resumes after Last-Event-ID', async () => {
    const s = await openStream('/api/v1/events?events=relay.*');
    let lastId = 0;
    try {
      await s.wait((e) => e.event === 'hello');
      await c.post('/api/v1/relays/2/trigger');
      const e = await s.wait((x) => x.event === 'relay.changed' && x.data.index === 1 && x.data.on);
      lastId = e.id!;
      assert.ok(!s.events.some((x) => x.event === 'door.opened'), 'door.opened is filtered out');
    } finally {
      s.close();
    }
    await c.post('/api/v1/relays/3/trigger'); // while disconnected
    const again = await openStream('/api/v1/events', { 'last-event-id': String(lastId) });
    try {
      const missed = await again.wait((x) => x.event === 'door.opened' && x.data.relay === 2);
      assert.ok(missed.id! > lastId);
    } finally {
      again.close();
    }
  });

  it('ends the streams of a session that logs out', async () => {
    const other = new Client(t.base);
    await other.login();
    const saved = c.cookie;
    c.cookie = other.cookie;
    const s = await openStream();
    c.cookie = saved;
    await s.wait((e) => e.event === 'hello');
    await other.post('/api/v1/auth/logout');
    assert.equal(await s.ended(), true);
  });
});

describe('2N-style log/subscribe and log/pull', () => {
  const api = () => {
    const x = new Client(t.base);
    x.token = token;
    return x;
  };

  it('subscribes, then long-polls the events of the subscription', async () => {
    const x = api();
    const sub = await x.get('/api/v1/log/subscribe?filter=door.opened&duration=30');
    assert.equal(sub.status, 200, sub.text);
    const { id } = sub.body.result;
    assert.match(id, /^[0-9a-f]{16}$/);
    const empty = await x.get(`/api/v1/log/pull?id=${id}&timeout=0`);
    assert.deepEqual(empty.body.result, { events: [], dropped: 0 });
    const waiting = x.get(`/api/v1/log/pull?id=${id}&timeout=20`);
    await c.post('/api/v1/relays/1/trigger');
    const got = await waiting;
    assert.equal(got.status, 200);
    const [ev] = got.body.result.events;
    assert.equal(ev.event, 'door.opened');
    assert.equal(ev.params.relay, 0);
    assert.equal(ev.params.actor, 'web:admin');
    assert.equal(typeof ev.utcTime, 'number');
    assert.equal(got.body.result.events.length, 1, 'relay.changed is filtered out');
    assert.equal((await x.get(`/api/v1/log/unsubscribe?id=${id}`)).status, 200);
    const gone = await x.get(`/api/v1/log/pull?id=${id}`);
    assert.equal(gone.status, 404);
  });

  it('keeps subscriptions to their owner, checks the query, and wants POST from a browser session', async () => {
    const x = api();
    const { id } = (await x.post('/api/v1/log/subscribe')).body.result;
    const stranger = await c.get(`/api/v1/log/pull?id=${id}`);
    assert.equal(stranger.status, 404, 'another principal cannot read it');
    const viaGet = await c.get('/api/v1/log/subscribe');
    assert.equal(viaGet.status, 405);
    assert.equal(viaGet.body.error.code, 'method_not_allowed');
    const viaPost = await c.post('/api/v1/log/subscribe?duration=5');
    assert.equal(viaPost.status, 200);
    const bad = await x.get(`/api/v1/log/pull?id=${id}&timeout=600`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.problems, [{ key: 'timeout', message: 'must be at most 60' }]);
    assert.equal((await x.get('/api/v1/log/pull')).status, 400);
  });
});
