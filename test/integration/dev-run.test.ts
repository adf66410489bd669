/**
 * The dev run as a newcomer tries it: the local indoor monitor answers a press of the simulated
 * push button and sends the door code, which opens the simulated door.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { startAgent, until } from '../harness/agent.ts';

it('press the push button: the dev monitor answers and its door code opens the door', async (t) => {
  const door = await startAgent({ devMonitor: true });
  t.after(() => door.stop());
  const { bus, services, config } = door.agent.ctx;
  assert.deepEqual(config.get().intercom.pushButton.numbers, ['sip:monitor@127.0.0.1:5070']);
  const opened: AgentEvents['door.opened'][] = [];
  bus.on('door.opened', (e) => opened.push(e));
  services.simGpio!.press('PUSH_BUTTON');
  await new Promise((r) => setTimeout(r, 100));
  services.simGpio!.release('PUSH_BUTTON');
  await until(() => opened.length > 0, 'the door opened', 400);
  assert.equal(opened[0]!.method, 'dtmf');
  assert.equal(opened[0]!.name, 'Door');
  assert.equal(opened[0]!.actor, 'sip:monitor@127.0.0.1:5070');
  assert.ok(services.relays!.states()[0]!.on, 'relay A is energized');
  for (const c of services.sip!.calls()) await services.sip!.hangup(c.id);
});
