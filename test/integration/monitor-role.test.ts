/**
 * The indoor monitor role with a whole agent: the role starts the monitor's parts (a push button
 * press calls nobody, the monitor's API answers) and a role change asks the agent to restart; in the
 * door phone role the monitor's API is unavailable. The inbox: the cloud link's messages (stored in
 * `inbox/messages.jsonl`, announced on the bus) listed newest first as plain text with an unread
 * count; marking one read is kept across a restart and told on the bus (`message.read`, the cloud event).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startAgent, until } from '../harness/agent.ts';
import { stopAll } from '../harness/processes.ts';
import { press, record, tokenClient } from './monitor-support.ts';

describe('indoor monitor: role and inbox', { concurrency: 1 }, () => {
  after(() => stopAll());

  it('door phone role: no monitor API; a role change restarts the agent', async () => {
    const door = await startAgent();
    try {
      const { client } = await tokenClient(door, 'reader', 'read');
      const r = await client.get('/api/v1/monitor');
      assert.equal(r.status, 503);
      assert.match(r.body.error.message, /indoor monitor/);
      assert.equal(door.restarts, 0);
      await door.agent.ctx.config.apply({ identity: { role: 'indoor-monitor' } }, 'test');
      await until(() => door.restarts === 1, 'the agent restarts');
      await door.agent.ctx.config.apply({ identity: { name: 'Front door 2' } }, 'test');
      assert.equal(door.restarts, 1, 'other settings do not restart it');
    } finally {
      await door.stop();
    }
  });

  it('monitor role: the push button calls nobody; messages newest first, plain text, unread count, read kept', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'portier-monitor-'));
    try {
      await mkdir(join(dataDir, 'inbox'), { recursive: true });
      const stored = { id: 'job-1', title: 'Water', text: 'Water off at 10', receivedAt: 1000, read: false };
      await writeFile(join(dataDir, 'inbox', 'messages.jsonl'), `${JSON.stringify(stored)}\n{"torn`);
      let monitor = await startAgent({
        dataDir,
        config: {
          identity: { role: 'indoor-monitor' },
          intercom: { pushButton: { numbers: ['sip:someone@127.0.0.1:9'] } },
        },
      });
      try {
        const outgoing = record(monitor, 'call.outgoing');
        const presses = record(monitor, 'intercom.press');
        const inputs = record(monitor, 'input.changed');
        await press(monitor);
        // the push button feature places its call on the same bus event as the press
        await until(() => inputs.some((i) => i.role === 'push-button' && !i.active), 'the press and release');
        assert.deepEqual(presses, [], 'no push button feature on a monitor');
        assert.deepEqual(outgoing, [], 'no push-button call on a monitor');
        assert.equal(monitor.agent.ctx.services.sip!.calls().length, 0);

        const { client } = await tokenClient(monitor, 'resident');
        // as the cloud link does for a message job: stored, then announced
        const fresh = {
          id: 'job-2',
          title: '<script>alert(1)</script>',
          text: `Lift\u0007 out of order\n${'x'.repeat(1200)}`,
          receivedAt: 2000,
          read: false,
        };
        monitor.agent.ctx.bus.emit('message.received', fresh);
        const list = await client.get('/api/v1/monitor/messages');
        assert.equal(list.status, 200, list.text);
        assert.deepEqual(
          list.body.result.messages.map((m: { id: string }) => m.id),
          ['job-2', 'job-1'],
        );
        assert.equal(list.body.result.unread, 2);
        const shown = list.body.result.messages[0];
        assert.equal(shown.title, '<script>alert(1)</script>', 'markup is text (never rendered as HTML)');
        assert.ok(shown.text.startsWith('Lift out of order\n'), 'control characters stripped');
        assert.equal([...shown.text].length, 1000);
        assert.ok(shown.text.endsWith('[…]'), 'truncated with a mark');
        assert.equal((await client.get('/api/v1/monitor')).body.result.unread, 2);

        const read = record(monitor, 'message.read');
        const r = await client.post('/api/v1/monitor/messages/job-1/read');
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.result.read, true);
        assert.deepEqual(
          read.map((e) => e.id),
          ['job-1'],
        );
        await client.post('/api/v1/monitor/messages/job-1/read');
        assert.equal(read.length, 1, 'told once');
        assert.equal((await client.post('/api/v1/monitor/messages/nope/read')).status, 404);
      } finally {
        await monitor.stop();
      }
      monitor = await startAgent({ dataDir });
      try {
        const { client } = await tokenClient(monitor, 'resident 2');
        const list = await client.get('/api/v1/monitor/messages');
        assert.deepEqual(
          list.body.result.messages.map((m: { id: string; read: boolean }) => [m.id, m.read]),
          [['job-1', true]],
          'after a restart: the stored message, read (job-2 was only announced in this test)',
        );
      } finally {
        await monitor.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
