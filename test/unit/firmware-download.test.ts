/**
 * The bundle download (agent/firmware/download.ts) against a real HTTP server on 127.0.0.1: a whole
 * bundle with its SHA-256 and percent; a connection the server cuts before the length it announced
 * is a truncation (named so, with the bytes), and the partial file is removed; a bundle announced
 * larger than allowed is refused before its body is read.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { download } from '../../agent/firmware/download.ts';

const BUNDLE = Buffer.alloc(3_000_000, 7);
let server: Server;
let base = '';
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-download-'));
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-length': BUNDLE.length, 'content-type': 'application/octet-stream' });
    if (req.url === '/whole.raucb') {
      res.end(BUNDLE);
      return;
    }
    // /cut.raucb: a third of it, then the connection ends
    res.write(BUNDLE.subarray(0, 1_000_000), () => res.socket?.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('firmware download', () => {
  it('a whole bundle: its bytes, SHA-256 and percent up to 100', async () => {
    const file = join(dir, 'whole.raucb');
    const percents: (number | undefined)[] = [];
    const got = await download({
      url: `${base}/whole.raucb`,
      file,
      maxBytes: 10_000_000,
      progress: (p) => percents.push(p),
    });
    assert.equal(got.bytes, BUNDLE.length);
    assert.equal(got.sha256, createHash('sha256').update(BUNDLE).digest('hex'));
    assert.ok(readFileSync(file).equals(BUNDLE));
    assert.equal(percents.at(-1), 100);
  });

  it('a connection cut before the announced length is a truncation; the partial file is removed', async () => {
    const file = join(dir, 'cut.raucb');
    await assert.rejects(
      download({ url: `${base}/cut.raucb`, file, maxBytes: 10_000_000, progress: () => {} }),
      new RegExp(`truncated: the connection ended after \\d+ of ${BUNDLE.length} bytes`),
    );
    assert.equal(existsSync(file), false);
  });

  it('a bundle announced larger than allowed is refused before its body is read', async () => {
    const file = join(dir, 'large.raucb');
    await assert.rejects(
      download({ url: `${base}/whole.raucb`, file, maxBytes: 1000, progress: () => {} }),
      /the bundle is 3000000 bytes, more than the 1000 allowed/,
    );
    assert.equal(existsSync(file), false);
  });
});
