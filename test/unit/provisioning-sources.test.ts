/**
 * Where the server URL comes from (static, DHCP option 66, option 43, each one turned off), the
 * files asked for, and the messages of network errors (DNS, TLS, refused).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../agent/config/index.ts';
import { networkError } from '../../agent/provisioning/fetch-types.ts';
import { pickServer, planFiles, readDhcpOptions, urlFromOption66 } from '../../agent/provisioning/index.ts';

function config(cloud: Record<string, unknown>) {
  const c = defaultConfig();
  return { ...c, cloud: { ...c.cloud, ...cloud } } as typeof c;
}

describe('server URL sources', () => {
  it('static first, then option 66, then option 43; DHCP can be turned off', () => {
    const dhcp = { option66: '10.0.0.5', option43: 'https://prov.example/door/' };
    assert.deepEqual(pickServer(config({ autopUrl: 'http://static/' }), dhcp), {
      url: 'http://static/',
      source: 'static',
    });
    assert.deepEqual(pickServer(config({}), dhcp), { url: 'tftp://10.0.0.5/', source: 'dhcp-66' });
    assert.deepEqual(pickServer(config({}), { option43: dhcp.option43 }), {
      url: 'https://prov.example/door/',
      source: 'dhcp-43',
    });
    assert.equal(pickServer(config({ autopDhcp: false }), dhcp), undefined);
    assert.equal(pickServer(config({}), {}), undefined);
    // SIP PnP last, and only when on
    assert.deepEqual(pickServer(config({ autopPnp: true }), {}, 'http://pnp/'), { url: 'http://pnp/', source: 'pnp' });
    assert.equal(pickServer(config({ autopPnp: false }), {}, 'http://pnp/'), undefined);
    assert.equal(pickServer(config({ autopPnp: true }), dhcp, 'http://pnp/')?.source, 'dhcp-66');
  });

  it('option 66: a name or address is a TFTP server; a URL is taken as is', () => {
    assert.equal(urlFromOption66('tftp.example.com'), 'tftp://tftp.example.com/');
    assert.equal(urlFromOption66('10.0.2.2'), 'tftp://10.0.2.2/');
    assert.equal(urlFromOption66('http://10.0.0.1/prov/'), 'http://10.0.0.1/prov/');
    assert.equal(urlFromOption66('not a host'), undefined);
  });

  it('reads what the udhcpc script wrote: tftp=, opt66= and opt43= (hex, plain text or sub-options)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portier-dhcp-'));
    try {
      const f = join(dir, 'dhcp-options');
      await writeFile(f, `tftp=10.0.2.2\nopt43=${Buffer.from('http://10.0.2.2/p/').toString('hex')}\n`);
      assert.deepEqual(await readDhcpOptions(f), { option66: '10.0.2.2', option43: 'http://10.0.2.2/p/' });
      // vendor sub-option 1 (length 18) holding the URL
      const sub = Buffer.concat([Buffer.from([1, 18]), Buffer.from('http://10.0.2.2/q/')]);
      await writeFile(f, `opt66=${Buffer.from('srv.lan').toString('hex')}\nopt43=${sub.toString('hex')}\n`);
      assert.deepEqual(await readDhcpOptions(f), { option66: 'srv.lan', option43: 'http://10.0.2.2/q/' });
      await writeFile(f, '');
      assert.deepEqual(await readDhcpOptions(f), {});
      assert.deepEqual(await readDhcpOptions(join(dir, 'missing')), {});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('files of a run', () => {
  it('a directory URL: common.cfg then the MAC file, lower then upper case', () => {
    const p = planFiles('tftp://10.0.2.2', '52:54:00:AB:cd:56');
    assert.equal(p.common.href, 'tftp://10.0.2.2/common.cfg');
    assert.deepEqual(
      p.mac.map((u) => u.href),
      ['tftp://10.0.2.2/525400abcd56.cfg', 'tftp://10.0.2.2/525400ABCD56.cfg'],
    );
    assert.equal(planFiles('http://h/door', '').mac.length, 0, 'no MAC: no MAC file');
    assert.equal(planFiles('http://h/door?x=1', '').common.href, 'http://h/door/common.cfg');
  });

  it('a URL naming a file: that file is the common one, the MAC file next to it', () => {
    const p = planFiles('https://h/sites/a/site.cfg', '00:11:22:33:44:55');
    assert.equal(p.common.href, 'https://h/sites/a/site.cfg');
    assert.deepEqual(
      p.mac.map((u) => u.href),
      ['https://h/sites/a/001122334455.cfg'],
    );
  });
});

describe('network error messages', () => {
  const url = new URL('https://prov.example:8443/common.cfg');
  const err = (code: string) => Object.assign(new Error(`x ${code}`), { code });
  it('DNS, refused, TLS', () => {
    assert.equal(
      networkError(err('ENOTFOUND'), url).message,
      'DNS: cannot resolve the host name "prov.example" (ENOTFOUND)',
    );
    assert.equal(networkError(err('ECONNREFUSED'), url).message, 'connection refused by prov.example:8443');
    assert.match(
      networkError(err('CERT_HAS_EXPIRED'), url).message,
      /^TLS: the certificate of prov\.example:8443 is not trusted \(CERT_HAS_EXPIRED\)/,
    );
    assert.equal(networkError(err('ENOTFOUND'), url).code, 'dns');
    assert.equal(networkError(err('ERR_TLS_CERT_ALTNAME_INVALID'), url).code, 'tls');
  });
});
