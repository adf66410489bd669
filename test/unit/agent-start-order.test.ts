/**
 * The agent starts the parts that only listen to the bus (door, logs, call features) before the
 * HAL and the SIP engine: an exit button pressed, or a call coming in, while the agent starts is
 * heard (the QEMU test presses the exit button as soon as the HAL holds its lines).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAgent } from '../../agent/main.ts';
import { silentLogger } from '../../core/index.ts';

test('listeners start before the HAL and the SIP engine, and stop after them', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portier-order-'));
  try {
    const agent = await createAgent(
      { dataDir, hal: 'sim', dev: false, bind: '127.0.0.1', sipAddress: '127.0.0.1' },
      { log: silentLogger() },
    );
    const order = Object.keys(agent.host.states());
    const at = (name: string) => {
      const i = order.indexOf(name);
      assert.ok(i >= 0, `module ${name} is built (modules: ${order.join(', ')})`);
      return i;
    };
    for (const listener of ['logs', 'exit-button', 'auto-answer', 'door-unlock', 'call-timers'])
      for (const source of ['hal', 'sip']) assert.ok(at(listener) < at(source), `${listener} starts before ${source}`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
