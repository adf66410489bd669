import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildConfig, netInterface, writeConfigDir } from '../../sip/baresip/config-file.ts';
import type { EngineSettings } from '../../sip/index.ts';

const settings: EngineSettings = {
  listenAddress: '127.0.0.1',
  sipPort: 5070,
  rtpPortMin: 11800,
  rtpPortMax: 12000,
  audioDevice: '',
  directIp: true,
  displayName: 'Front door',
};

describe('baresip config', () => {
  it('headless: tone source, no playback, G.711 then the optional codecs present, ctrl_tcp on 127.0.0.1 only', () => {
    const text = buildConfig({ settings, ctrlPort: 4567, modulePath: '/m', modules: new Set(['opus.so', 'srtp.so']) });
    const lines = text.split('\n');
    for (const l of [
      'sip_listen 127.0.0.1:5070',
      'net_interface 127.0.0.1',
      'rtp_ports 11800-12000',
      'audio_source ausine,440',
      'audio_player aubridge,nullplay',
      'module srtp.so',
      'module_app ctrl_tcp.so',
      'ctrl_tcp_listen 127.0.0.1:4567',
      'statmode_default off',
      // no jitter buffer: a short RFC 4733 digit would stay in it (issue 10, finding 6)
      'jitter_buffer_delay 0-0',
    ])
      assert.ok(lines.includes(l), l);
    assert.ok(lines.indexOf('module g711.so') < lines.indexOf('module opus.so'));
    assert.ok(!lines.includes('module g722.so'), 'absent modules are not loaded');
    assert.ok(!lines.some((l) => l.startsWith('module') && l.includes('alsa')), 'no ALSA without a device');
    assert.ok(!lines.some((l) => l.includes('account.so')), 'accounts come over ctrl_tcp');
  });

  it('on a device: ALSA, all addresses (no net_interface)', () => {
    const text = buildConfig({
      settings: { ...settings, listenAddress: '0.0.0.0', audioDevice: 'plughw:0' },
      ctrlPort: 4567,
      modulePath: '/m',
      modules: new Set(),
    });
    assert.match(text, /^audio_source alsa,plughw:0$/m);
    assert.match(text, /^module alsa\.so$/m);
    assert.doesNotMatch(text, /net_interface/);
    assert.match(text, /^ctrl_tcp_listen 127\.0\.0\.1:4567$/m);
  });

  it('writes a private dir: 0700, files 0600', async () => {
    const base = await mkdtemp(join(tmpdir(), 'portier-cfg-'));
    try {
      const dir = join(base, 'baresip');
      await writeConfigDir(dir, { settings, ctrlPort: 1, modulePath: '/m', modules: new Set() });
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
      assert.equal((await stat(join(dir, 'config'))).mode & 0o777, 0o600);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('net_interface: the address families baresip accepts in SDP offers', () => {
  const info = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({
    address,
    family,
    internal,
    netmask: '',
    mac: '',
    cidr: null,
    ...(family === 'IPv6' ? { scopeid: 0 } : {}),
  });
  const host = {
    lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
    eth0: [
      info('192.168.1.10', 'IPv4'),
      info('192.168.1.11', 'IPv4'),
      info('fd00::2', 'IPv6'),
      info('fe80::1', 'IPv6'),
    ],
    wlan0: [info('10.0.0.5', 'IPv4'), info('fe80::2', 'IPv6')],
  } as unknown as Parameters<typeof netInterface>[1];

  it('all addresses: none (baresip takes the default source address of each family)', () => {
    assert.equal(netInterface('0.0.0.0', host), undefined);
    assert.equal(netInterface('::', host), undefined);
  });

  it("a device address: its interface's name, so that IPv6 offers are accepted too", () => {
    assert.equal(netInterface('192.168.1.10', host), 'eth0');
    assert.equal(netInterface('fd00::2', host), 'eth0');
    const text = buildConfig({
      settings: { ...settings, listenAddress: '192.168.1.10' },
      ctrlPort: 1,
      modulePath: '/m',
      modules: new Set(),
      interfaces: host,
    });
    assert.ok(text.split('\n').includes('net_interface eth0'));
  });

  it('the address itself where naming the interface would change the address or add nothing', () => {
    assert.equal(
      netInterface('192.168.1.11', host),
      '192.168.1.11',
      'not the first IPv4 of eth0: baresip would use .10',
    );
    assert.equal(netInterface('10.0.0.5', host), '10.0.0.5', 'only a link-local IPv6 on wlan0');
    assert.equal(netInterface('127.0.0.1', host), '127.0.0.1', 'loopback cannot be named');
    assert.equal(netInterface('192.0.2.9', host), '192.0.2.9', 'not on this host (yet)');
    assert.equal(netInterface('192.168.1.10'), '192.168.1.10', 'interfaces unknown');
  });
});
