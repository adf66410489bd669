/**
 * /api/v1/firmware over real HTTP: on a device without A/B slots (this host: no RAUC) GET says so
 * and POST is refused with the reason; with a firmware service standing in for RAUC's (the real
 * installer is proven in the VM: test/qemu/firmware.test.ts), a URL and an uploaded bundle (streamed
 * to the data disk, a file of its own: two at the same time never share one) start an update, bad
 * input is a 400 naming the field, a busy device a 409;
 * DELETE cancels the update in progress (admin, CSRF), or says why it cannot (409).
 */
import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  FirmwareBusy,
  FirmwareNotCancelable,
  type FirmwareService,
  type UpdateRequest,
} from '../../agent/firmware/index.ts';
import { Client, startAgent, type TestAgent } from './web-support.ts';

let t: TestAgent;
let c: Client;

before(async () => {
  t = await startAgent();
  c = new Client(t.base);
  assert.equal((await c.setup(t)).status, 200);
});
after(async () => {
  await t?.stop();
});

/** Waits (real time: the upload is written as it comes) for a file not in `before` that holds `bytes`. */
async function newFile(dir: string, before: Set<string>, bytes: number): Promise<string> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    for (const f of await readdir(dir)) {
      if (before.has(f)) continue;
      const size = await stat(join(dir, f)).then(
        (s) => s.size,
        () => -1,
      );
      if (size >= bytes) return f;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no new file of ${bytes} bytes in ${dir}`);
}

function upload(body: Buffer, query = ''): Promise<Response> {
  return fetch(`${t.base}/api/v1/firmware${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', cookie: c.cookie, 'x-csrf-token': c.csrf },
    body: new Uint8Array(body),
  });
}

describe('firmware API', () => {
  it('a device without A/B slots says so; an update is refused with the reason', async () => {
    const g = await c.get('/api/v1/firmware');
    assert.equal(g.status, 200);
    assert.equal(g.body.result.available, false);
    assert.match(g.body.result.reason, /no A\/B slots/);
    assert.equal(typeof g.body.result.version, 'string');
    const p = await c.post('/api/v1/firmware', { url: 'http://10.0.2.100:8000/b.raucb' });
    assert.equal(p.status, 409);
    assert.match(p.body.error.message, /not possible: this device has no A\/B slots/);
    const d = await c.req('DELETE', '/api/v1/firmware');
    assert.equal(d.status, 409);
    assert.match(d.body.error.message, /no update is in progress/);
  });

  describe('with a firmware service', () => {
    const requests: UpdateRequest[] = [];
    const uploaded: Buffer[] = [];
    const cancels: string[] = [];
    let busy = false;
    let busyAfterBegin = false;
    let writing = false;
    before(() => {
      const fake: FirmwareService = {
        available: true,
        reason: undefined,
        version: '1.0',
        status: async () => ({ available: true, version: '1.0', slots: [], health: { passed: true }, update: null }),
        current: () => null,
        begin: async (req) => {
          if (busy) throw new FirmwareBusy('an update is already in progress (installing)');
          busy = busyAfterBegin; // the winner of a race runs on (its file in use)
          requests.push(req);
          if (req.file) uploaded.push(await readFile(req.file));
          return { id: 'u1', source: req.source, step: 'downloading', fromVersion: '1.0', startedAt: 0, updatedAt: 0 };
        },
        cancel: async (reason) => {
          if (writing)
            throw new FirmwareNotCancelable(
              'the update can no longer be cancelled: RAUC is writing the other slot or has written it (step installing); it goes on',
            );
          cancels.push(reason);
          return {
            id: 'u1',
            source: 'api',
            step: 'canceled',
            message: reason,
            fromVersion: '1.0',
            startedAt: 0,
            updatedAt: 0,
          };
        },
        on: () => () => {},
        watch: () => () => {},
        offered: () => undefined,
        offer: async () => {},
        withdraw: async () => {},
        installOffered: async () => {
          throw new Error('not offered');
        },
      };
      t.agent.ctx.services.firmware = fake;
    });

    it('starts an update from a URL (202), with the version and SHA-256 asked for', async () => {
      const sha = 'ab'.repeat(32);
      const r = await c.post('/api/v1/firmware', {
        url: 'https://fw.example.com/b.raucb',
        version: '2.0',
        sha256: sha,
      });
      assert.equal(r.status, 202, r.text);
      assert.equal(r.body.result.step, 'downloading');
      assert.deepEqual(requests.at(-1), {
        source: 'api',
        url: 'https://fw.example.com/b.raucb',
        version: '2.0',
        sha256: sha,
      });
    });

    it('streams an uploaded bundle to the data disk and starts the update with it', async () => {
      const bundle = Buffer.alloc(3 * 1024 * 1024, 0x5a);
      bundle.write('hsqs', 0);
      const r = await upload(bundle, '?version=2.1');
      assert.equal(r.status, 202, await r.text());
      const req = requests.at(-1) as UpdateRequest;
      assert.equal(dirname(req.file ?? ''), join(t.dataDir, 'firmware'));
      assert.match(basename(req.file ?? ''), /^upload-[0-9a-f]{16}\.raucb$/);
      assert.equal(req.version, '2.1');
      assert.ok(uploaded.at(-1)?.equals(bundle), 'the file is the uploaded bundle');
    });

    it('two uploads at the same time: each has its own file; the refused one (409) removes only its own', async () => {
      const dir = join(t.dataDir, 'firmware');
      // the bundles of the tests before (the fake service leaves them)
      for (const f of await readdir(dir)) if (f.endsWith('.raucb')) await rm(join(dir, f));
      const before = new Set(await readdir(dir));
      const first = Buffer.alloc(256 * 1024, 0x11);
      const second = Buffer.alloc(300 * 1024, 0x22);
      second.write('hsqs', 0);
      // upload 1: half its body sent, the rest held back until upload 2 has started its update
      let feed: ReadableStreamDefaultController<Uint8Array> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          feed = controller;
        },
      });
      feed?.enqueue(new Uint8Array(first.subarray(0, first.length / 2)));
      const r1 = fetch(`${t.base}/api/v1/firmware`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', cookie: c.cookie, 'x-csrf-token': c.csrf },
        body,
        duplex: 'half',
      } as RequestInit);
      let open = true;
      try {
        const file1 = await newFile(dir, before, first.length / 2);
        busyAfterBegin = true;
        const r2 = await upload(second);
        assert.equal(r2.status, 202, await r2.text());
        const file2 = requests.at(-1)?.file as string;
        assert.ok(uploaded.at(-1)?.equals(second), 'update 2 started with its bundle');
        feed?.enqueue(new Uint8Array(first.subarray(first.length / 2)));
        feed?.close();
        open = false;
        const res1 = await r1;
        assert.equal(res1.status, 409);
        assert.match(((await res1.json()) as { error: { message: string } }).error.message, /already in progress/);
        assert.equal(requests.at(-1)?.file, file2, 'upload 1 started nothing');
        const got = await readFile(file2).catch(() => undefined);
        assert.ok(got, "upload 2's file (the running update's) is still there");
        assert.ok(got.equals(second), "upload 2's file holds upload 2's bytes only");
        assert.notEqual(basename(file2), file1, 'each upload had a file of its own');
        const left = (await readdir(dir)).filter((f) => !before.has(f));
        assert.deepEqual(left, [basename(file2)], "upload 1's file is removed, nothing else");
      } finally {
        busyAfterBegin = false;
        busy = false;
        if (open) feed?.error(new Error('the test ended'));
        await r1.catch(() => {});
      }
    });

    it('refuses bad input with a 400 naming the field, an empty upload, and a second update (409)', async () => {
      const n = requests.length;
      const bad = await c.post('/api/v1/firmware', { url: 'ftp://x/b.raucb' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /url: must be an http\(s\) URL/);
      const sha = await c.post('/api/v1/firmware', { url: 'http://x/b.raucb', sha256: 'nope' });
      assert.equal(sha.status, 400);
      assert.match(sha.body.error.message, /sha256: must be 64 hex digits/);
      const empty = await upload(Buffer.alloc(0));
      assert.equal(empty.status, 400);
      assert.match(((await empty.json()) as { error: { message: string } }).error.message, /upload is empty/);
      assert.equal(requests.length, n, 'nothing started');
      busy = true;
      const second = await c.post('/api/v1/firmware', { url: 'http://x/b.raucb' });
      assert.equal(second.status, 409);
      assert.match(second.body.error.message, /already in progress/);
    });

    it('DELETE cancels the update (200, step canceled); without the CSRF token nothing is cancelled; while RAUC writes: 409 with the reason', async () => {
      const noCsrf = await fetch(`${t.base}/api/v1/firmware`, { method: 'DELETE', headers: { cookie: c.cookie } });
      assert.equal(noCsrf.status, 403);
      assert.deepEqual(cancels, [], 'nothing cancelled');
      const d = await c.req('DELETE', '/api/v1/firmware');
      assert.equal(d.status, 200, d.text);
      assert.equal(d.body.result.step, 'canceled');
      assert.deepEqual(cancels, ['cancelled through the API']);
      writing = true;
      const late = await c.req('DELETE', '/api/v1/firmware');
      assert.equal(late.status, 409);
      assert.match(late.body.error.message, /can no longer be cancelled: RAUC is writing the other slot/);
      assert.equal(cancels.length, 1);
    });
  });

  it('progress goes out on the events stream as firmware.update events', async () => {
    const ac = new AbortController();
    const res = await fetch(`${t.base}/api/v1/events`, { headers: { cookie: c.cookie }, signal: ac.signal });
    assert.equal(res.status, 200);
    const update = {
      id: 'u2',
      source: 'cloud' as const,
      step: 'downloading' as const,
      percent: 42,
      fromVersion: '1.0',
      startedAt: 0,
      updatedAt: 0,
    };
    let text = '';
    const dec = new TextDecoder();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    setTimeout(() => t.agent.ctx.bus.emit('firmware.update', update), 100);
    while (!/event: firmware\.update\ndata: .*"percent":42/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
    ac.abort();
    assert.match(text, /event: firmware\.update\ndata: .*"step":"downloading","percent":42/);
  });
});
