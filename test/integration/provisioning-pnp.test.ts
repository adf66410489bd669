/**
 * SIP PnP for real, in a network namespace the test creates (multicast route on its loopback, so
 * nothing leaves it): the device's SUBSCRIBE to 224.0.1.75:5060 (Event: ua-profile) reaches a PnP
 * server the test writes, whose NOTIFY carries the URL; the device answers the NOTIFY with 200 and
 * takes the URL.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';

const NS = `portier-pnp-${process.pid}`;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

before(() => {
  ip('netns', 'add', NS);
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up', 'multicast', 'on');
  ip('netns', 'exec', NS, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo');
});
after(() => {
  ip('netns', 'del', NS);
});

it('SUBSCRIBE ua-profile to 224.0.1.75:5060, the NOTIFY body is the URL', async () => {
  const { stdout } = await promisify(execFile)(
    'ip',
    [
      ...['netns', 'exec', NS, process.execPath, '--import', 'tsx', 'test/harness/pnp-netns.ts'],
      'https://prov.example/doors/',
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const r = JSON.parse(stdout.trim().split('\n').pop() as string);
  assert.equal(r.url, 'https://prov.example/doors/');
  assert.match(r.subscribe, /^SUBSCRIBE sip:0c1105abcd01@224\.0\.1\.75 SIP\/2\.0\r\n/);
  assert.match(
    r.subscribe,
    /\r\nEvent: ua-profile;profile-type="device";vendor="Portier";model="Portier DP1";version="0\.1\.0"\r\n/,
  );
  assert.match(r.subscribe, /\r\nAccept: application\/url\r\n/);
  assert.match(r.notifyAnswered ?? '', /^SIP\/2\.0 200 OK\r\n[\s\S]*CSeq: 1 NOTIFY/);
});
