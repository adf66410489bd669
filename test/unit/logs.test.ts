import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { callLogEntry, JsonlLog } from '../../agent/logs/index.ts';
import type { CallInfo } from '../../sip/engine.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-logs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bounded persisted log', () => {
  it('keeps the newest entries, newest first, across restarts', async () => {
    const file = join(dir, 'l.jsonl');
    const log = new JsonlLog<{ n: number }>(file, 10);
    await log.load();
    for (let n = 1; n <= 25; n++) await log.append({ n });
    assert.deepEqual(log.page({ limit: 3 }), { total: 10, entries: [{ n: 25 }, { n: 24 }, { n: 23 }] });
    assert.deepEqual(log.page({ offset: 9, limit: 5 }).entries, [{ n: 16 }]);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').length;
    assert.ok(lines < 20, `the file is compacted (${lines} lines)`);
    const again = new JsonlLog<{ n: number }>(file, 10);
    await again.load();
    assert.deepEqual(again.page({ limit: 1 }).entries, [{ n: 25 }]);
    assert.equal(again.page({}).total, 10);
  });

  it('skips a line torn by a power cut', async () => {
    const file = join(dir, 'l.jsonl');
    const log = new JsonlLog<{ n: number }>(file, 10);
    await log.load();
    await log.append({ n: 1 });
    await appendFile(file, '{"n":');
    const again = new JsonlLog<{ n: number }>(file, 10);
    await again.load();
    await again.append({ n: 2 });
    const third = new JsonlLog<{ n: number }>(file, 10);
    await third.load();
    assert.deepEqual(third.page({}).entries, [{ n: 2 }, { n: 1 }]);
  });
});

describe('call log entries', () => {
  const call = (over: Partial<CallInfo>): CallInfo => ({
    id: 'c1',
    direction: 'outgoing',
    account: '1',
    peer: 'sip:101@pbx',
    peerName: '',
    state: 'closed',
    startedAt: 1000,
    ...over,
  });
  it('classifies how a call ended', () => {
    assert.equal(callLogEntry(call({ answeredAt: 2000 }), { reason: 'bye' }, 3000).result, 'answered');
    assert.equal(callLogEntry(call({ direction: 'incoming' }), { reason: 'cancelled' }, 3000).result, 'missed');
    assert.equal(callLogEntry(call({ direction: 'incoming' }), { reason: 'dnd', code: 486 }, 3000).result, 'rejected');
    assert.equal(callLogEntry(call({}), { reason: '486 Busy Here', code: 486 }, 3000).result, 'rejected');
    assert.equal(callLogEntry(call({}), { reason: '404 Not Found', code: 404 }, 3000).result, 'failed');
    assert.equal(callLogEntry(call({}), { reason: 'dial-out timeout' }, 3000).result, 'cancelled');
  });
});
