/**
 * The indoor monitor with two real agents (door phone and monitor, real baresip engines, direct IP
 * on 127.0.0.1): a press at the door rings the monitor, shown as the door of its list; the resident
 * answers through the monitor's API and opens relay A (its DTMF code on the call) and relay B (the
 * door's HTTP API with a door-scope token): the door's relays energize and its door log names the
 * monitor (DTMF: the monitor's URI; HTTP: the token); a decline lets the door's sequence call go on;
 * DND on the monitor gives the door 486; a caller not in the list shows as unknown.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { DoorLogEntry } from '../../agent/logs/index.ts';
import { until } from '../harness/agent.ts';
import { BaresipPeer } from '../harness/baresip-peer.ts';
import { stopAll } from '../harness/processes.ts';
import { press, record, sipUri, startPair, tokenClient } from './monitor-support.ts';

const doorLog = (a: { agent: { ctx: { services: { doorLog?: { page(o: object): { entries: DoorLogEntry[] } } } } } }) =>
  a.agent.ctx.services.doorLog!.page({}).entries;

describe('indoor monitor: calls from the door (two real agents)', { concurrency: 1 }, () => {
  after(() => stopAll());

  it('press → the monitor rings as the door → answer → Open by DTMF and by HTTP → the door opens, its log names the monitor', async () => {
    const pair = await startPair();
    const { door, monitor } = pair;
    try {
      const doorToken = await tokenClient(door, 'Flat 12 monitor');
      await monitor.agent.ctx.config.apply(
        {
          monitor: {
            doors: {
              0: { apiUrl: door.base, apiToken: doorToken.token, relayB: { unlock: 'http', name: 'Gate' } },
            },
          },
        },
        'test',
      );
      const { client } = await tokenClient(monitor, 'resident');
      const ringing = record(monitor, 'monitor.ringing');
      const relays = record(door, 'relay.changed');
      const doorMedia = record(door, 'call.media');
      const monitorMedia = record(monitor, 'call.media');
      await press(door);
      const ring = await until(() => ringing[0], 'the monitor rings');
      assert.deepEqual(ring.door, { index: 0, name: 'Front door' }, 'shown as the door of the list');
      assert.ok(
        monitor.logs.some((l) => /^ringing \(headless/.test(l.msg) && l.label === 'Front door'),
        'headless: the ring is logged',
      );
      assert.equal(ring.call.source?.startsWith('127.0.0.1:'), true);

      const state = await client.get('/api/v1/monitor');
      assert.equal(state.status, 200, state.text);
      const listed = state.body.result.calls[0];
      assert.equal(listed.door.name, 'Front door');
      assert.deepEqual(
        listed.relays.map((r: { relay: number; unlock: string; name: string }) => [r.relay, r.unlock, r.name]),
        [
          [1, 'dtmf', 'Open'],
          [2, 'http', 'Gate'],
        ],
      );
      // Open before answering: refused, nothing sent
      const early = await client.post(`/api/v1/monitor/calls/${ring.call.id}/open/1`);
      assert.equal(early.status, 409);
      assert.match(early.body.error.message, /not answered/);

      const answered = await client.post(`/api/v1/monitor/calls/${ring.call.id}/answer`);
      assert.equal(answered.status, 200, answered.text);
      assert.equal(answered.body.result.call.state, 'established');
      await until(
        () => door.agent.ctx.services.sip!.calls().some((c) => c.state === 'established'),
        'the door sees the call answered',
      );
      // DTMF travels in RTP: the audio flows at the door before the code is sent
      await until(() => doorMedia[0] && monitorMedia[0], 'audio both ways');
      const open = await client.post(`/api/v1/monitor/calls/${ring.call.id}/open/1`);
      assert.equal(open.status, 200, open.text);
      assert.equal(open.body.result.method, 'dtmf');
      await until(() => relays.find((r) => r.index === 0 && r.on), "the door's relay A energizes");
      const byDtmf = await until(() => doorLog(door).find((e) => e.method === 'dtmf'), 'the door log');
      assert.equal(byDtmf.by, sipUri(monitor), 'the door log names the monitor');

      const gate = await client.post(`/api/v1/monitor/calls/${ring.call.id}/open/2`);
      assert.equal(gate.status, 200, gate.text);
      assert.equal(gate.body.result.method, 'http');
      await until(() => relays.find((r) => r.index === 1 && r.on), "the door's relay B energizes");
      const byApi = await until(() => doorLog(door).find((e) => e.method === 'api'), 'the door log (API)');
      assert.equal(byApi.by, 'token:Flat 12 monitor');

      const none = await client.post(`/api/v1/monitor/calls/${ring.call.id}/open/3`);
      assert.equal(none.status, 404, 'relay C is not set up: no Open');

      const closed = record(door, 'call.closed');
      const hang = await client.post(`/api/v1/monitor/calls/${ring.call.id}/hangup`);
      assert.equal(hang.status, 200, hang.text);
      await until(() => closed[0], 'the door sees the hang up');
    } finally {
      await pair.stop();
    }
  });

  it('decline on the monitor: the door’s sequence call goes on to the next number', async () => {
    const next = await BaresipPeer.start({ name: 'next', user: 'next' });
    const pair = await startPair({
      door: { intercom: { pushButton: { callType: 'sequence', whenRefused: 'call-next' } } },
    });
    const { door, monitor } = pair;
    try {
      await door.agent.ctx.config.apply(
        { intercom: { pushButton: { numbers: [sipUri(monitor), next.directUri] } } },
        'test',
      );
      const { client } = await tokenClient(monitor, 'resident');
      const ringing = record(monitor, 'monitor.ringing');
      const doorClosed = record(door, 'call.closed');
      await press(door);
      const ring = await until(() => ringing[0], 'the monitor rings');
      const r = await client.post(`/api/v1/monitor/calls/${ring.call.id}/decline`);
      assert.equal(r.status, 200, r.text);
      const end = await until(() => doorClosed[0], "the door's first call ends");
      assert.equal(end.end.code, 486, 'baresip 1.0.0 refuses with 486');
      await next.waitFor('CALL_INCOMING');
    } finally {
      await pair.stop();
      await next.stop();
    }
  });

  it('DND on the monitor: nothing rings, the door sees 486', async () => {
    const pair = await startPair();
    const { door, monitor } = pair;
    try {
      const { client } = await tokenClient(monitor, 'resident');
      const dnd = await client.req('PUT', '/api/v1/monitor/dnd', { body: { on: true } });
      assert.equal(dnd.status, 200, dnd.text);
      assert.equal(monitor.agent.ctx.config.get().monitor.dnd, true);
      const ringing = record(monitor, 'monitor.ringing');
      const doorClosed = record(door, 'call.closed');
      await press(door);
      const end = await until(() => doorClosed[0], "the door's call ends");
      assert.equal(end.end.code, 486);
      assert.deepEqual(ringing, [], 'nothing rang');
      const bad = await client.req('PUT', '/api/v1/monitor/dnd', { body: { on: 'yes' } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /on: must be true or false/);
    } finally {
      await pair.stop();
    }
  });

  it('a caller that is not in the list rings as an unknown caller, never as a door', async () => {
    const pair = await startPair();
    const { monitor } = pair;
    const stranger = await BaresipPeer.start({ name: 'stranger', user: 'portier' });
    try {
      const ringing = record(monitor, 'monitor.ringing');
      await stranger.dial(sipUri(monitor));
      const ring = await until(() => ringing[0], 'the monitor rings');
      assert.equal(ring.door, null, 'unknown: same host and user as the door, another port');
      const { client } = await tokenClient(monitor, 'resident');
      const ans = await client.post(`/api/v1/monitor/calls/${ring.call.id}/answer`);
      assert.equal(ans.status, 200, ans.text);
      const open = await client.post(`/api/v1/monitor/calls/${ring.call.id}/open/1`);
      assert.equal(open.status, 409);
      assert.match(open.body.error.message, /not a door of the list/);
    } finally {
      await stranger.stop();
      await pair.stop();
    }
  });
});
