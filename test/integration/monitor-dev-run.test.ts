/**
 * The dev run with its Portier indoor monitor (`portier run --dev`): a second agent in the monitor
 * role, in the same process, on web port 8081 and SIP port 5070, the door in its list. A press of
 * the simulated push button rings it; the resident answers and opens through its API (what its
 * resident page does), and the door's relay A energizes. (The automatic resident: dev-run.test.ts.)
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEV_MONITOR_WEB_PORT } from '../../agent/parts/dev-monitor.ts';
import { startAgent, until } from '../harness/agent.ts';
import { press, record } from './monitor-support.ts';
import { Client } from './web-support.ts';

it('dev run: the push button rings the Portier monitor; answer and Open on it open the door', async (t) => {
  const door = await startAgent({ devMonitor: 'portier' });
  t.after(() => door.stop());
  assert.deepEqual(door.agent.ctx.config.get().intercom.pushButton.numbers, ['sip:portier@127.0.0.1:5070']);
  const ready = door.logs.find(
    (l) => l.agent === 'dev-monitor' && /dev indoor monitor \(a Portier agent\) ready/.test(l.msg),
  );
  assert.ok(ready, 'the monitor said where it is');
  const code = door.logs.find((l) => l.agent === 'dev-monitor' && typeof l.setupCode === 'string')?.setupCode as string;
  const monitor = new Client(`http://127.0.0.1:${DEV_MONITOR_WEB_PORT}`);
  const setup = await monitor.post('/api/v1/auth/setup', { code, password: 'resident password 1' });
  assert.equal(setup.status, 200, setup.text);
  monitor.csrf = setup.body.result.csrfToken;
  const state = await monitor.get('/api/v1/monitor');
  assert.equal(state.status, 200, state.text);
  assert.deepEqual(
    state.body.result.doors.map((d: { name: string; address: string }) => [d.name, d.address]),
    [['Front door', `sip:portier@127.0.0.1:${door.agent.ctx.config.get().directIp.port}`]],
  );

  const relays = record(door, 'relay.changed');
  const media = record(door, 'call.media');
  await press(door);
  const ringing = await until(async () => {
    const calls = (await monitor.get('/api/v1/monitor')).body.result.calls as {
      call: { id: string; state: string };
      door: { name: string };
    }[];
    return calls.find((c) => c.call.state === 'incoming');
  }, 'the monitor rings');
  assert.equal(ringing.door.name, 'Front door');
  assert.equal((await monitor.post(`/api/v1/monitor/calls/${ringing.call.id}/answer`)).status, 200);
  await until(() => media[0], 'audio at the door');
  const open = await monitor.post(`/api/v1/monitor/calls/${ringing.call.id}/open/1`);
  assert.equal(open.status, 200, open.text);
  await until(() => relays.find((r) => r.index === 0 && r.on), "the door's relay A energizes");
  assert.equal((await monitor.post(`/api/v1/monitor/calls/${ringing.call.id}/hangup`)).status, 200);
});
