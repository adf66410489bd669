/**
 * Relays, inputs, simulated inputs, calls and the logs over real HTTP. Relays and inputs are the
 * agent's sim HAL; calls go through the agent's baresip engine to a real baresip indoor monitor
 * (test/harness) by direct IP on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { BaresipPeer } from '../harness/baresip-peer.ts';
import { Client, startAgent, type TestAgent, until } from './web-support.ts';

let t: TestAgent;
let c: Client;

before(async () => {
  t = await startAgent({ dev: true });
  c = new Client(t.base);
  assert.equal((await c.setup(t)).status, 200);
});
after(async () => {
  await t?.stop();
});

describe('relays and inputs', () => {
  it('lists the relays with 1-based ids', async () => {
    const r = await c.get('/api/v1/relays');
    assert.deepEqual(
      r.body.result.relays.map((x: { id: number; name: string; on: boolean }) => [x.id, x.name, x.on]),
      [
        [1, 'Door', false],
        [2, 'Gate', false],
        [3, 'Light', false],
      ],
    );
    assert.equal((await c.get('/api/v1/relays/2')).body.result.name, 'Gate');
    assert.equal((await c.get('/api/v1/relays/4')).status, 404);
    assert.equal((await c.get('/api/v1/relays/x')).status, 404);
  });

  /** The door.opened events of the agent while `fn` runs. */
  async function openings(fn: () => Promise<void>): Promise<AgentEvents['door.opened'][]> {
    const seen: AgentEvents['door.opened'][] = [];
    const off = t.agent.ctx.bus.on('door.opened', (e) => seen.push(e));
    try {
      await fn();
    } finally {
      off();
    }
    return seen;
  }

  it('trigger energizes the relay and logs the opening in the door log as an API opening', async () => {
    const changed = t.agent.ctx.bus.waitFor('relay.changed', (e) => e.index === 0 && e.on);
    const opened = await openings(async () => {
      const r = await c.post('/api/v1/relays/1/trigger');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result.on, true);
    });
    assert.deepEqual(
      opened.map((e) => [e.relay, e.name, e.method, e.actor, e.call]),
      [[0, 'Door', 'api', 'web:admin', undefined]],
      'one opening, by the API, during no call',
    );
    assert.equal((await changed).by, 'web:admin');
    const log = await c.get('/api/v1/logs/door');
    assert.deepEqual(
      { ...log.body.result.entries[0], at: 0 },
      { at: 0, relay: 0, relayName: 'Door', method: 'api', by: 'web:admin' },
    );
  });

  it('a bistable relay switches on and off; unknown actions and disabled relays are refused', async () => {
    await c.req('PATCH', '/api/v1/config', { body: { relays: { 2: { mode: 'bistable' } } } });
    await until(
      async () => (await c.get('/api/v1/relays/3')).body.result.mode === 'bistable',
      'the HAL to take the new mode',
    );
    const on = await openings(async () => {
      const r = await c.post('/api/v1/relays/3/on');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.result.on, true);
    });
    assert.deepEqual(
      on.map((e) => [e.relay, e.method, e.actor]),
      [[2, 'api', 'web:admin']],
      'switching on is an opening',
    );
    const off = await openings(async () => {
      assert.equal((await c.post('/api/v1/relays/3/off')).body.result.on, false);
    });
    assert.deepEqual(off, [], 'switching off is no opening');
    const toggled = await openings(async () => {
      assert.equal((await c.post('/api/v1/relays/3/trigger')).body.result.on, true, 'a trigger toggles: on');
      assert.equal((await c.post('/api/v1/relays/3/trigger')).body.result.on, false, 'a trigger toggles: off');
    });
    assert.deepEqual(
      toggled.map((e) => [e.relay, e.method]),
      [[2, 'api']],
      'the trigger that switched it off is no opening',
    );
    const bad = await c.post('/api/v1/relays/3/explode');
    assert.equal(bad.status, 404);
    assert.equal(bad.body.error.code, 'not_found');
    await c.req('PATCH', '/api/v1/config', { body: { relays: { 1: { enabled: false } } } });
    await until(async () => !(await c.get('/api/v1/relays/2')).body.result.enabled, 'the HAL to disable relay 2');
    const disabled = await c.post('/api/v1/relays/2/trigger');
    assert.equal(disabled.status, 409);
    assert.equal(disabled.body.error.message, 'relay 2 (Gate) is disabled');
  });

  it('lists the inputs; in the dev run the simulated lines are pressed over the API and the exit button opens the door', async () => {
    const r = await c.get('/api/v1/inputs');
    assert.deepEqual(
      r.body.result.inputs.map((x: { id: number; name: string; line: string; active: boolean }) => [
        x.id,
        x.name,
        x.line,
        x.active,
      ]),
      [
        [1, 'Push button', 'PUSH_BUTTON', false],
        [2, 'Exit button', 'EXIT_BUTTON', false],
        [3, 'Door contact', 'DOOR_CONTACT', false],
        [4, 'Input D', 'INPUT_D', false],
      ],
    );
    const lines = (await c.get('/api/v1/sim/lines')).body.result.lines as { line: string; direction: string }[];
    assert.ok(lines.some((l) => l.line === 'EXIT_BUTTON' && l.direction === 'input'));
    const active = t.agent.ctx.bus.waitFor('input.changed', (e) => e.index === 1 && e.active);
    const opened = await openings(async () => {
      const press = await c.post('/api/v1/sim/lines/EXIT_BUTTON/press');
      assert.equal(press.status, 200);
      assert.deepEqual(press.body.result, { line: 'EXIT_BUTTON', active: true });
      await active;
    });
    assert.deepEqual(
      opened.map((e) => [e.relay, e.name, e.method, e.actor]),
      [[0, 'Door', 'exit-button', 'Exit button']],
      'one opening, by the exit button',
    );
    await until(async () => {
      const entry = (await c.get('/api/v1/logs/door')).body.result.entries[0];
      return entry?.method === 'exit-button' && entry.by === 'Exit button';
    }, 'the door log records the exit button and the input');
    assert.equal((await c.get('/api/v1/inputs')).body.result.inputs[1].active, true);
    const released = t.agent.ctx.bus.waitFor('input.changed', (e) => e.index === 1 && !e.active);
    assert.equal((await c.post('/api/v1/sim/lines/EXIT_BUTTON/release')).status, 200);
    await released;
    assert.equal((await c.post('/api/v1/sim/lines/RELAY_A/press')).status, 404, 'an output line cannot be pressed');
    assert.equal((await c.post('/api/v1/sim/lines/NOPE/press')).status, 404);
    assert.equal((await c.post('/api/v1/sim/lines/EXIT_BUTTON/hold')).status, 404);
  });
});

describe("calls (the agent's baresip engine and a baresip indoor monitor)", () => {
  let monitor: BaresipPeer;
  after(async () => {
    await monitor?.stop();
  });

  it('answers 503 with a clear error while the SIP engine is missing', async () => {
    const sip = t.agent.ctx.services.sip;
    t.agent.ctx.services.sip = undefined;
    try {
      for (const [method, path] of [
        ['GET', '/api/v1/calls'],
        ['POST', '/api/v1/calls'],
        ['POST', '/api/v1/calls/x/hangup'],
      ] as const) {
        const r = await c.req(method, path, method === 'POST' ? { body: { target: '101' } } : {});
        assert.equal(r.status, 503, `${method} ${path}`);
        assert.equal(r.body.error.code, 'service_unavailable');
        assert.match(r.body.error.message, /SIP engine is not available/);
      }
      assert.equal((await c.get('/api/v1/system/status')).body.result.services.sip, false);
    } finally {
      t.agent.ctx.services.sip = sip;
    }
  });

  it('checks the target and the account before dialling', async () => {
    const bad = await c.post('/api/v1/calls', { target: 'two words' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.problems, [
      { key: 'target', message: 'must be a number, SIP URI or IP address without spaces' },
    ]);
    const disabled = await c.post('/api/v1/calls', { target: '101', account: '2' });
    assert.equal(disabled.status, 400);
    assert.match(disabled.body.error.message, /account 2 is disabled/);
    assert.equal((await c.post('/api/v1/calls', { target: '101', account: '7' })).status, 400);
    assert.equal((await c.post('/api/v1/calls/nope/hangup')).status, 404);
  });

  it('web call: dials the monitor by direct IP, sends DTMF once answered, hangs up', async () => {
    monitor = await BaresipPeer.start({ name: 'monitor', answer: 'manual' });
    const bus = t.agent.ctx.bus;
    const r = await c.post('/api/v1/calls', { target: monitor.directUri, account: null });
    assert.equal(r.status, 200, r.text);
    const id = r.body.result.id as string;
    assert.equal(r.body.result.direction, 'outgoing');
    await monitor.waitFor('CALL_INCOMING');
    const listed = (await c.get('/api/v1/calls')).body.result.calls as { id: string; state: string }[];
    assert.deepEqual(
      listed.map((x) => x.id),
      [id],
    );
    const early = await c.post(`/api/v1/calls/${id}/dtmf`, { digits: '1' });
    assert.equal(early.status, 409, 'DTMF needs an established call');
    const established = bus.waitFor('call.established', (e) => e.call.id === id);
    await monitor.answer();
    await established;
    assert.equal((await c.post(`/api/v1/calls/${id}/dtmf`, { digits: '12x' })).status, 400);
    const dtmf = await c.post(`/api/v1/calls/${id}/dtmf`, { digits: '12#' });
    assert.equal(dtmf.status, 200, dtmf.text);
    await until(() => monitor.digits() === '12#', 'the monitor to receive 12#');
    const closed = bus.waitFor('call.closed', (e) => e.call.id === id);
    assert.equal((await c.post(`/api/v1/calls/${id}/hangup`)).status, 200);
    await closed;
    await monitor.waitFor('CALL_CLOSED');
    assert.equal((await c.post(`/api/v1/calls/${id}/hangup`)).status, 404);
    const log = (await c.get('/api/v1/logs/calls')).body.result.entries[0];
    assert.equal(log.id, id);
    assert.equal(log.result, 'answered');
  });

  it('answers an incoming call from the monitor', async () => {
    const bus = t.agent.ctx.bus;
    monitor.clear();
    const incoming = bus.waitFor('call.incoming');
    await monitor.dial(`sip:portier@127.0.0.1:${t.agent.ctx.config.get().directIp.port}`);
    const { call } = await incoming;
    const established = bus.waitFor('call.established', (e) => e.call.id === call.id);
    const answered = await c.post(`/api/v1/calls/${call.id}/answer`);
    assert.equal(answered.status, 200, answered.text);
    await established;
    await monitor.waitFor('CALL_ESTABLISHED');
    const closed = bus.waitFor('call.closed', (e) => e.call.id === call.id);
    assert.equal((await c.post(`/api/v1/calls/${call.id}/hangup`)).status, 200);
    await closed;
  });

  it('refuses a direct IP call when direct IP is off', async () => {
    await c.req('PATCH', '/api/v1/config', { body: { directIp: { enabled: false } } });
    const noIp = await c.post('/api/v1/calls', { target: '192.168.1.20' });
    assert.equal(noIp.status, 400);
    assert.match(noIp.body.error.message, /direct IP calls are disabled/);
  });
});

describe('logs', () => {
  it('pages the call log newest first and checks offset and limit', async () => {
    const log = t.agent.ctx.services.callLog!;
    for (let i = 0; i < 30; i++)
      await log.append({
        id: `c${i}`,
        direction: 'incoming',
        account: '1',
        peer: `sip:${i}@pbx`,
        peerName: `Caller ${i}`,
        startedAt: i,
        endedAt: i + 1,
        result: 'missed',
        reason: 'cancelled by caller',
      });
    const total = log.page({}).total;
    const r = await c.get('/api/v1/logs/calls?offset=2&limit=5');
    assert.equal(r.status, 200);
    assert.equal(r.body.result.total, total);
    assert.equal(r.body.result.offset, 2);
    assert.equal(r.body.result.limit, 5);
    assert.deepEqual(
      r.body.result.entries.map((e: { id: string }) => e.id),
      ['c27', 'c26', 'c25', 'c24', 'c23'],
    );
    const big = await c.get('/api/v1/logs/calls?limit=500');
    assert.equal(big.status, 400);
    assert.deepEqual(big.body.error.problems, [{ key: 'limit', message: 'must be at most 200' }]);
    assert.equal((await c.get('/api/v1/logs/door?offset=-1')).status, 400);
  });
});
