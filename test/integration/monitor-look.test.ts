/**
 * Monitor (look at the door), with two real agents: the resident calls the door from the monitor's
 * API; the door auto-answers because the monitor is one it knows (the number its push button calls:
 * the door's allow-list of callers), and the resident opens the door during the call; a monitor the
 * door does not know is not answered.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { until } from '../harness/agent.ts';
import { stopAll } from '../harness/processes.ts';
import { record, sipUri, startPair, tokenClient } from './monitor-support.ts';

describe('indoor monitor: looking at the door (two real agents)', { concurrency: 1 }, () => {
  after(() => stopAll());

  it('a known monitor is auto-answered by the door and opens it; an unknown one is not answered', async () => {
    const pair = await startPair();
    const { door, monitor } = pair;
    try {
      const { client } = await tokenClient(monitor, 'resident');
      const states = record(monitor, 'monitor.call');
      const relays = record(door, 'relay.changed');
      const doorMedia = record(door, 'call.media');
      const monitorMedia = record(monitor, 'call.media');
      const look = await client.post('/api/v1/monitor/doors/1/call');
      assert.equal(look.status, 200, look.text);
      assert.equal(look.body.result.door.name, 'Front door');
      const id = look.body.result.call.id as string;
      await until(() => states.find((s) => s.call.id === id && s.state === 'established'), 'the door answers');
      assert.ok(door.logs.some((l) => l.msg === 'auto-answer' && /called number/.test(String(l.allowed))));
      await until(() => doorMedia[0] && monitorMedia[0], 'audio both ways');
      const open = await client.post(`/api/v1/monitor/calls/${id}/open/1`);
      assert.equal(open.status, 200, open.text);
      await until(() => relays.find((r) => r.index === 0 && r.on), "the door's relay A energizes");
      const entry = await until(
        () => door.agent.ctx.services.doorLog!.page({}).entries.find((e) => e.method === 'dtmf'),
        'the door log',
      );
      assert.equal(entry.by, sipUri(monitor), 'the door log names the monitor');
      assert.equal((await client.post(`/api/v1/monitor/calls/${id}/hangup`)).status, 200);
      await until(() => states.find((s) => s.call.id === id && s.state === 'ended'), 'the call ends');

      // The door no longer calls (so no longer knows) this monitor: its call rings there, unanswered.
      await door.agent.ctx.config.apply({ intercom: { pushButton: { numbers: ['sip:other@127.0.0.1:9'] } } }, 'test');
      const doorIncoming = record(door, 'call.incoming');
      const second = await client.post('/api/v1/monitor/doors/1/call');
      assert.equal(second.status, 200, second.text);
      const id2 = second.body.result.call.id as string;
      await until(() => doorIncoming[0], 'the call reaches the door');
      await until(
        () => door.logs.some((l) => /not allowed: ringing, not auto-answered/.test(l.msg)),
        'the door judged the caller',
      );
      assert.notEqual(monitor.agent.ctx.services.sip!.calls().find((c) => c.id === id2)?.state, 'established');
      assert.equal((await client.post(`/api/v1/monitor/calls/${id2}/hangup`)).status, 200);

      const unknown = await client.post('/api/v1/monitor/doors/5/call');
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.error.message, /no door 5/);
    } finally {
      await pair.stop();
    }
  });
});
