/**
 * Provisioning from real servers on 127.0.0.1, one per scheme: HTTP, HTTPS (a certificate this test
 * makes, trusted through the private-CA setting), FTP (ftp-srv, user and password in the URL or in
 * the settings) and TFTP (tftpd-hpa). For each: the common file then the MAC file, the MAC file
 * winning; the same content again applies nothing (no config.changed); a bad MAC file changes
 * nothing and names the file and the line; a missing common file is not an error (upper-case MAC
 * file found after the lower-case one is missing); a huge file is refused without reading it all.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchFile } from '../../agent/provisioning/index.ts';
import { startFtpServer } from '../harness/ftp-server.ts';
import { type FileServer, makeCertificate, startFileServer } from '../harness/http-server.ts';
import { MAC_LOWER, MAC_UPPER, provisioningRig } from '../harness/provisioning-rig.ts';
import { startTftpServer } from '../harness/tftp-server.ts';

const COMMON =
  '# common to every door\nConfig.Features.DOORPHONE.MaxCallTime = 10\nConfig.Settings.CALLTIMEOUT.DialIn = 90\n';
const MAC_FILE = 'Config.Features.DOORPHONE.MaxCallTime = 7\r\nConfig.DeviceInfo.DEVICEINFO.Location = Lobby\r\n';
const BAD_MAC =
  'Config.Features.DOORPHONE.MaxCallTime = 9\n# the next line is out of range\nConfig.Settings.CALLTIMEOUT.DialIn = 999\n';
const HUGE = Buffer.alloc(2 * 1024 * 1024 + 17, '#');

type Scheme = {
  name: string;
  /** The directory URL of the files. */
  url: string;
  config?: Record<string, unknown>;
  put(file: string, content: string | Buffer): Promise<void>;
  remove(file: string): Promise<void>;
  close(): Promise<void>;
};

let work: string;
const schemes: Scheme[] = [];

function diskScheme(
  name: string,
  dir: string,
  url: string,
  close: () => Promise<void>,
  config?: Record<string, unknown>,
): Scheme {
  return {
    name,
    url,
    ...(config ? { config } : {}),
    put: (f, c) => writeFile(join(dir, f), c),
    remove: (f) => unlink(join(dir, f)).catch(() => {}),
    close,
  };
}

function httpScheme(name: string, srv: FileServer, config?: Record<string, unknown>): Scheme {
  return {
    name,
    url: `${srv.base}/prov/`,
    ...(config ? { config } : {}),
    put: async (f, c) => void srv.files.set(`/prov/${f}`, c),
    remove: async (f) => void srv.files.delete(`/prov/${f}`),
    close: () => srv.close(),
  };
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'portier-prov-srv-'));
  const cert = makeCertificate(work);
  schemes.push(httpScheme('http', await startFileServer()));
  schemes.push(httpScheme('https', await startFileServer({ tls: cert }), { cloud: { autopCaFile: cert.certFile } }));
  const ftpDir = join(work, 'ftp');
  await mkdir(join(ftpDir, 'prov'), { recursive: true });
  const ftp = await startFtpServer(ftpDir, 'door', 'p@ss word');
  schemes.push(
    diskScheme(
      'ftp (user in the URL)',
      join(ftpDir, 'prov'),
      `ftp://door:p%40ss%20word@127.0.0.1:${ftp.port}/prov/`,
      () => ftp.close(),
    ),
  );
  const ftpDir2 = join(work, 'ftp2');
  await mkdir(join(ftpDir2, 'prov'), { recursive: true });
  const ftp2 = await startFtpServer(ftpDir2, 'door2', 'secret');
  schemes.push(
    diskScheme('ftp (user in the settings)', join(ftpDir2, 'prov'), `${ftp2.url}/prov/`, () => ftp2.close(), {
      cloud: { autopUsername: 'door2', autopPassword: 'secret' },
    }),
  );
  const tftpDir = join(work, 'tftp');
  await mkdir(join(tftpDir, 'prov'), { recursive: true });
  const tftp = await startTftpServer(tftpDir);
  schemes.push(diskScheme('tftp', join(tftpDir, 'prov'), `${tftp.url}/prov/`, () => tftp.stop()));
});

after(async () => {
  for (const s of schemes) await s.close().catch(() => {});
  await rm(work, { recursive: true, force: true });
});

for (const index of [0, 1, 2, 3, 4]) {
  describe(`scheme ${['http', 'https', 'ftp (user in the URL)', 'ftp (user in the settings)', 'tftp'][index]}`, () => {
    it('common then MAC file, applied as one change; same files again: nothing; bad MAC file: nothing, file and line named', async () => {
      const s = schemes[index] as Scheme;
      const cloud = { autopUrl: s.url, autopMode: 'power-on', ...(s.config?.cloud as object | undefined) };
      const r = await provisioningRig({ config: { cloud } });
      try {
        await s.put('common.cfg', COMMON);
        await s.put(MAC_LOWER, MAC_FILE);
        const first = await r.prov.trigger('api').record;
        assert.equal(first.outcome, 'applied', JSON.stringify(first));
        assert.deepEqual(
          first.files.map((f) => [f.name, f.status]),
          [
            ['common.cfg', 'fetched'],
            [MAC_LOWER, 'fetched'],
          ],
        );
        assert.match(first.files[0]?.sha256 ?? '', /^[0-9a-f]{64}$/);
        assert.equal(first.source, 'static');
        const c = r.store.get();
        assert.equal(c.intercom.maxCallTime, 7, 'the MAC file overrides the common file');
        assert.equal(c.intercom.dialInTime, 90, 'the common file applies');
        assert.equal(c.identity.location, 'Lobby');
        assert.equal(r.changes.length, 1, 'one change for both files');
        assert.equal(r.changes[0]?.source, 'autop-server');
        assert.deepEqual([...(r.changes[0]?.keys ?? [])].sort(), [
          'identity.location',
          'intercom.dialInTime',
          'intercom.maxCallTime',
        ]);

        const again = await r.prov.trigger('api').record;
        assert.equal(again.outcome, 'unchanged');
        assert.equal(r.changes.length, 1, 'no config.changed for unchanged files');

        await s.put(MAC_LOWER, BAD_MAC);
        const bad = await r.prov.trigger('api').record;
        assert.equal(bad.outcome, 'rejected');
        assert.equal(bad.problems.length, 1, bad.problems.join('\n'));
        assert.match(
          bad.problems[0] ?? '',
          new RegExp(
            `^${MAC_LOWER.replace('.', '\\.')} line 3: Config\\.Settings\\.CALLTIMEOUT\\.DialIn: must be at most`,
          ),
        );
        assert.equal(r.store.get().intercom.maxCallTime, 7, 'nothing of the bad file applied');
        assert.equal(r.changes.length, 1);

        // no common file, only the upper-case MAC file: applied
        await s.remove('common.cfg');
        await s.remove(MAC_LOWER);
        await s.put(MAC_UPPER, 'Config.Features.DOORPHONE.MaxCallTime = 3\n');
        const upper = await r.prov.trigger('api').record;
        assert.equal(upper.outcome, 'applied', JSON.stringify(upper));
        assert.deepEqual(
          upper.files.map((f) => [f.name, f.status]),
          [
            ['common.cfg', 'missing'],
            [MAC_LOWER, 'missing'],
            [MAC_UPPER, 'fetched'],
          ],
        );
        assert.equal(r.store.get().intercom.maxCallTime, 3);
        assert.equal(r.store.get().intercom.dialInTime, 90, 'a setting the files no longer name keeps its value');

        // the records are kept in the data dir, newest first
        const status = await r.prov.status();
        assert.deepEqual(
          status.runs.map((x) => x.outcome),
          ['applied', 'rejected', 'unchanged', 'applied'],
        );
      } finally {
        await s.remove(MAC_UPPER);
        await r.close();
      }
    });

    it('a file over 1 MB is refused', async () => {
      const s = schemes[index] as Scheme;
      await s.put('huge.cfg', HUGE);
      try {
        const cfg = s.config?.cloud as
          | { autopUsername?: string; autopPassword?: string; autopCaFile?: string }
          | undefined;
        const { readFile } = await import('node:fs/promises');
        await assert.rejects(
          fetchFile(new URL(`${s.url}huge.cfg`), {
            timeoutMs: 10_000,
            maxBytes: 1024 * 1024,
            maxRedirects: 5,
            ...(cfg?.autopCaFile ? { ca: await readFile(cfg.autopCaFile, 'utf8') } : {}),
            ...(cfg?.autopUsername ? { username: cfg.autopUsername, password: cfg.autopPassword } : {}),
          }),
          /huge\.cfg is larger than 1 MB: refused/,
        );
      } finally {
        await s.remove('huge.cfg');
      }
    });
  });
}
