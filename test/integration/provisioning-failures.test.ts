/**
 * What a bad server does to a run, with real servers on 127.0.0.1: a server that hangs is timed
 * out, a huge file is refused without reading it all (with or without Content-Length), a redirect
 * loop, too many redirects, a TLS failure and a refused connection each give a clear message, and
 * nothing changes. The run's record says so; the next run tries again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FileServer, makeCertificate, startFileServer } from '../harness/http-server.ts';
import { freeTcpPort } from '../harness/ports.ts';
import { MAC, MAC_LOWER, provisioningRig } from '../harness/provisioning-rig.ts';

let work: string;
let http: FileServer;
let https: FileServer;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'portier-prov-bad-'));
  http = await startFileServer();
  https = await startFileServer({ tls: makeCertificate(work) });
});
after(async () => {
  await http?.close();
  await https?.close();
  await rm(work, { recursive: true, force: true });
});

async function runOnce(url: string, extra: Record<string, unknown> = {}, timeoutMs = 10_000) {
  const r = await provisioningRig({ config: { cloud: { autopUrl: url, ...extra } }, limits: { timeoutMs } });
  try {
    const before = r.store.get();
    const record = await r.prov.trigger('api').record;
    assert.deepEqual(r.store.get(), before, 'nothing changed');
    assert.equal(r.changes.length, 0);
    return record;
  } finally {
    await r.close();
  }
}

describe('a bad server', () => {
  it('that hangs is timed out', async () => {
    http.behaviours.set('/hang/common.cfg', { hang: true });
    const rec = await runOnce(`${http.base}/hang/`, {}, 300);
    assert.equal(rec.outcome, 'failed');
    assert.equal(rec.error, `common.cfg: 127.0.0.1:${http.port} did not answer within 0.3 s (timed out)`);
  });

  for (const huge of ['with-length', 'chunked'] as const) {
    it(`a huge file (${huge}) is refused without reading it all`, async () => {
      const sentBefore = http.hugeBytesSent();
      http.behaviours.set(`/huge-${huge}/common.cfg`, { huge });
      const rec = await runOnce(`${http.base}/huge-${huge}/`);
      assert.equal(rec.outcome, 'failed');
      assert.equal(rec.error, 'common.cfg: common.cfg is larger than 1 MB: refused');
      // the server offered 1 GB; the client stopped at the limit (what is in socket buffers aside)
      assert.ok(
        http.hugeBytesSent() - sentBefore < 64 * 1024 * 1024,
        `${http.hugeBytesSent() - sentBefore} bytes sent`,
      );
    });
  }

  it('a redirect loop, and too many redirects', async () => {
    http.behaviours.set('/loop/common.cfg', { redirect: '/loop2/common.cfg' });
    http.behaviours.set('/loop2/common.cfg', { redirect: '/loop/common.cfg' });
    const loop = await runOnce(`${http.base}/loop/`);
    assert.equal(loop.outcome, 'failed');
    assert.match(
      loop.error ?? '',
      /^common\.cfg: redirect loop: .*\/loop2\/common\.cfg leads back to .*\/loop\/common\.cfg$/,
    );
    for (let i = 0; i < 8; i++) http.behaviours.set(`/r${i}/common.cfg`, { redirect: `/r${i + 1}/common.cfg` });
    const many = await runOnce(`${http.base}/r0/`);
    assert.match(many.error ?? '', /too many redirects .* \(more than 5\)/);
    // a redirect that is followed, within the limit
    http.behaviours.set('/moved/common.cfg', { redirect: '/prov-ok/common.cfg' });
    http.files.set('/prov-ok/common.cfg', 'Config.Features.DOORPHONE.MaxCallTime = 11\n');
    const r = await provisioningRig({ config: { cloud: { autopUrl: `${http.base}/moved/` } } });
    try {
      const ok = await r.prov.trigger('api').record;
      assert.equal(ok.outcome, 'applied', JSON.stringify(ok));
      assert.equal(r.store.get().intercom.maxCallTime, 11);
    } finally {
      await r.close();
    }
  });

  it('an https server whose certificate is not trusted: a TLS message, nothing fetched', async () => {
    https.files.set('/prov/common.cfg', 'Config.Features.DOORPHONE.MaxCallTime = 12\n');
    const rec = await runOnce(`${https.base}/prov/`);
    assert.equal(rec.outcome, 'failed');
    assert.match(
      rec.error ?? '',
      /^common\.cfg: TLS: the certificate of 127\.0\.0\.1:\d+ is not trusted \((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)/,
    );
    assert.match(rec.error ?? '', /Config\.Autoprovision\.SERVER\.CaFile/);
  });

  it('an https server that redirects to http is refused', async () => {
    const cert = join(work, 'cert.pem');
    https.behaviours.set('/down/common.cfg', { redirect: `${http.base}/prov-ok/common.cfg` });
    const rec = await runOnce(`${https.base}/down/`, { autopCaFile: cert });
    assert.match(rec.error ?? '', /refused redirect from https to http:/);
  });

  it('a server error, and a refused connection', async () => {
    http.behaviours.set('/err/common.cfg', { status: 500 });
    const err = await runOnce(`${http.base}/err/`);
    assert.equal(err.error, `common.cfg: HTTP 500 Internal Server Error from 127.0.0.1:${http.port}`);
    const port = await freeTcpPort();
    const refused = await runOnce(`http://127.0.0.1:${port}/`);
    assert.equal(refused.error, `common.cfg: connection refused by 127.0.0.1:${port}`);
  });

  it('a MAC file that breaks a rule with a setting of the common file: nothing applied, the line named', async () => {
    http.files.set('/rule/common.cfg', 'Config.Network.RTPPORT.Min = 20000\n');
    http.files.set(`/rule/${MAC_LOWER}`, '\n\nConfig.Network.RTPPORT.Max = 19000\n');
    const rec = await runOnce(`${http.base}/rule/`);
    assert.equal(rec.outcome, 'rejected');
    assert.deepEqual(rec.problems, [
      `${MAC_LOWER} line 3: Config.Network.RTPPORT.Max: must be greater than RTP port min`,
    ]);
  });

  it("a file that would change the device's MAC (its id): nothing applied, the line named; the same MAC is fine", async () => {
    http.files.set(
      '/mac/common.cfg',
      'Config.DeviceInfo.DEVICEINFO.MAC = 0C:11:05:00:00:99\nConfig.DeviceInfo.DEVICEINFO.Name = Gate\n',
    );
    const rec = await runOnce(`${http.base}/mac/`);
    assert.equal(rec.outcome, 'rejected');
    assert.deepEqual(rec.problems, [
      'common.cfg line 1: Config.DeviceInfo.DEVICEINFO.MAC: is set on the device only; a file from a server cannot change it',
    ]);
    // an exported config of this very device repeats its MAC: that applies
    http.files.set(
      '/same-mac/common.cfg',
      `Config.DeviceInfo.DEVICEINFO.MAC = ${MAC}\nConfig.DeviceInfo.DEVICEINFO.Name = Gate\n`,
    );
    const r = await provisioningRig({ config: { cloud: { autopUrl: `${http.base}/same-mac/` } } });
    try {
      const ok = await r.prov.trigger('api').record;
      assert.equal(ok.outcome, 'applied');
      assert.equal(r.store.get().identity.name, 'Gate');
      assert.equal(r.store.get().identity.mac, MAC);
    } finally {
      await r.close();
    }
  });
});
