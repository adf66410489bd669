/** The cloud protocol module: topics, job documents, and who imports what. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cloudView, deviceIdFromMac, parseJob, parseTopic, topics } from '../../agent/cloud/protocol/index.ts';
import { effectiveUrl } from '../../agent/cloud/settings.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('cloud protocol', () => {
  it('topics: the device id is the MAC in lower case without separators, under portier/v1/<id>/', () => {
    const id = deviceIdFromMac('0C:11:05:00:00:01')!;
    assert.equal(id, '0c1105000001');
    assert.equal(deviceIdFromMac(''), undefined);
    assert.equal(topics.status(id), 'portier/v1/0c1105000001/status');
    assert.equal(topics.jobStatus(id, 'j-1'), 'portier/v1/0c1105000001/jobs/j-1/status');
    assert.deepEqual(parseTopic('portier/v1/0c1105000001/jobs/j-1'), { kind: 'job', device: id, jobId: 'j-1' });
    assert.deepEqual(parseTopic('portier/v1/0c1105000001/jobs/j-1/cancel'), {
      kind: 'job-cancel',
      device: id,
      jobId: 'j-1',
    });
    assert.deepEqual(parseTopic('portier/v1/0c1105000001/events/door'), { kind: 'event', device: id, type: 'door' });
    for (const bad of [
      'portier/v2/0c1105000001/status',
      'portier/v1/XYZ/status',
      'portier/v1/0c1105000001/jobs/a b',
      'portier/v1/0c1105000001/jobs/x/y',
    ])
      assert.equal(parseTopic(bad), undefined, bad);
  });

  it('job documents: the shapes fixed by the protocol', () => {
    assert.ok(parseJob('{"type":"autop","lines":"A = 1","once":true}').ok);
    assert.ok(parseJob(`{"type":"autop","url":"https://x/a.cfg","sha256":"${'a'.repeat(64)}"}`).ok);
    assert.ok(parseJob('{"type":"reboot"}').ok);
    assert.ok(parseJob('{"type":"message","title":"T","text":"X"}').ok);
    assert.ok(parseJob('{"type":"firmware","url":"https://x/fw","version":"2","notBefore":"2026-12-01T03:00:00Z"}').ok);
    const both = parseJob(`{"type":"autop","lines":"","url":"https://x/a.cfg","sha256":"${'a'.repeat(64)}"}`);
    assert.deepEqual(both, { ok: false, error: 'lines: give either lines or url (with sha256)' });
    assert.deepEqual(parseJob('[1]'), { ok: false, error: 'payload: must be a JSON object' });
  });

  it("maps the job states onto a cloud's Pending / Processing / Executed", () => {
    assert.equal(cloudView('QUEUED'), 'Pending');
    assert.equal(cloudView('IN_PROGRESS'), 'Processing');
    for (const s of ['SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELED', 'TIMED_OUT'] as const)
      assert.equal(cloudView(s), 'Executed');
  });

  it('the connect type picks the scheme; the URL gives host, port and path', () => {
    assert.equal(effectiveUrl('mqtts://cloud.example.com', 'tls'), 'mqtts://cloud.example.com:8883');
    assert.equal(effectiveUrl('mqtt://10.0.0.1:1884', 'tcp'), 'mqtt://10.0.0.1:1884');
    assert.equal(effectiveUrl('mqtt://cloud.example.com', 'wss'), 'wss://cloud.example.com:443/mqtt');
    assert.equal(effectiveUrl('wss://cloud.example.com/ws', 'wss'), 'wss://cloud.example.com:443/ws');
  });

  it('the protocol imports nothing but zod; fleet/ imports nothing of the agent but the protocol', async () => {
    const importsOf = async (dir: string) => {
      const out: { file: string; spec: string }[] = [];
      for (const f of await readdir(join(ROOT, dir))) {
        if (!f.endsWith('.ts')) continue;
        const text = await readFile(join(ROOT, dir, f), 'utf8');
        for (const m of text.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm))
          out.push({ file: `${dir}/${f}`, spec: m[1]! });
        for (const m of text.matchAll(/import\('([^']+)'\)/g)) out.push({ file: `${dir}/${f}`, spec: m[1]! });
      }
      return out;
    };
    for (const i of await importsOf('agent/cloud/protocol'))
      assert.ok(/^zod(\/|$)/.test(i.spec) || /^\.\/[a-z-]+\.ts$/.test(i.spec), `${i.file} imports ${i.spec}`);
    const fleet = await importsOf('fleet');
    assert.ok(fleet.length > 0);
    for (const i of fleet)
      assert.ok(
        !i.spec.startsWith('..') || i.spec === '../agent/cloud/protocol/index.ts',
        `${i.file} imports ${i.spec}: fleet/ shares only the protocol with the agent`,
      );
  });
});
