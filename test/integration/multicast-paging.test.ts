/**
 * A multicast page from a real RTP sender (GStreamer: a 440 Hz tone as G.711 µ-law RTP) is received
 * and played by the paging feature. Both run inside a network namespace the test creates, with a
 * multicast route on its loopback, so nothing leaves it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, it } from 'node:test';
import { PAGE_TIMEOUT_MS } from '../../agent/features/index.ts';

const NS = `portier-paging-${process.pid}`;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
const children: ChildProcess[] = [];

before(() => {
  ip('netns', 'add', NS);
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up', 'multicast', 'on');
  ip('netns', 'exec', NS, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo');
});
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  ip('netns', 'del', NS);
});

it('a page from a real RTP sender is played, and ends when the packets stop', async () => {
  const config = {
    intercom: { multicast: { listen: { 0: { address: '239.1.2.3', port: 10000, label: 'Lobby' } } } },
  };
  const listener = spawn(
    'ip',
    [
      'netns',
      'exec',
      NS,
      process.execPath,
      '--import',
      'tsx',
      'test/fixtures/paging-listener.ts',
      JSON.stringify(config),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(listener);
  const lines = createInterface({ input: listener.stdout! });
  const events: Record<string, unknown>[] = [];
  const waitFor = (event: string, ms: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = events.find((e) => e.event === event);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms: ${JSON.stringify(events)}`)), ms);
      lines.on('line', (l) => {
        const e = JSON.parse(l);
        if (e.event === event) {
          clearTimeout(timer);
          resolve(e);
        }
      });
    });
  lines.on('line', (l) => events.push(JSON.parse(l)));
  await waitFor('listening', 20_000);

  // 100 packets of 20 ms = 2 s of a 440 Hz tone, sent in real time
  const sender = spawn(
    'ip',
    [
      'netns',
      'exec',
      NS,
      'gst-launch-1.0',
      '-q',
      'audiotestsrc',
      'is-live=true',
      'freq=440',
      'samplesperbuffer=160',
      'num-buffers=100',
      '!',
      'audio/x-raw,rate=8000,channels=1',
      '!',
      'mulawenc',
      '!',
      'rtppcmupay',
      '!',
      'udpsink',
      'host=239.1.2.3',
      'port=10000',
      'auto-multicast=true',
      'ttl-mc=1',
    ],
    { stdio: 'inherit' },
  );
  children.push(sender);
  const started = await waitFor('started', 10_000);
  assert.equal(started.label, 'Lobby');
  assert.equal(started.address, '239.1.2.3');
  const ended = await waitFor('ended', 10_000 + PAGE_TIMEOUT_MS);
  assert.equal(ended.reason, 'no packets');
  const audio = await waitFor('audio', 1000);
  assert.equal(audio.samples, 16_000, 'every sample of the 2 s page was played');
  // a 440 Hz tone crosses zero 880 times a second
  const hz = (audio.crossings as number) / 2 / 2;
  assert.ok(Math.abs(hz - 440) < 10, `the played audio is the 440 Hz tone (measured ${hz} Hz)`);
  listener.kill('SIGTERM');
});
