/**
 * Push button actions received by real servers on 127.0.0.1: an HTTP GET with placeholders, an
 * email through an SMTP server, an event record uploaded to an FTP server; the features are built
 * as the agent builds them (the push button places the call, the action switches its relay on).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { FtpSrv } from 'ftp-srv';
import { SMTPServer } from 'smtp-server';
import { RealClock } from '../../core/index.ts';
import { freeTcpPort as freePort } from '../harness/ports.ts';
import { rig } from '../unit/support/feature-rig.ts';

let dir: string;
const closers: (() => Promise<unknown>)[] = [];
const got = { http: [] as string[], mail: [] as string[], mailFrom: [] as string[] };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-ftp-'));
});
after(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

it('a press sends the HTTP GET, the email and the FTP record to real servers, and switches the relay on', async (t) => {
  const httpPort = await freePort();
  const http = createServer((req, res) => {
    got.http.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((r) => http.listen(httpPort, '127.0.0.1', r));
  closers.push(() => new Promise((r) => http.close(r)));

  const smtpPort = await freePort();
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    onAuth(auth, _session, cb) {
      cb(null, { user: auth.username });
    },
    onMailFrom(address, _session, cb) {
      got.mailFrom.push(address.address);
      cb();
    },
    onData(stream, _session, cb) {
      let text = '';
      stream.on('data', (d: Buffer) => (text += d.toString()));
      stream.on('end', () => {
        got.mail.push(text);
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', r));
  closers.push(() => new Promise((r) => smtp.close(() => r(undefined))));

  const ftpPort = await freePort();
  const pasv = await freePort();
  const ftp = new FtpSrv({
    url: `ftp://127.0.0.1:${ftpPort}`,
    pasv_url: '127.0.0.1',
    pasv_min: pasv,
    pasv_max: pasv,
    anonymous: false,
    greeting: 'test server',
    log: {
      info() {},
      debug() {},
      trace() {},
      warn() {},
      error() {},
      child() {
        return this;
      },
    } as never,
  });
  ftp.on('login', ({ username, password }, resolve, reject) => {
    if (username === 'door' && password === 'pw') resolve({ root: dir });
    else reject(new Error('bad login'));
  });
  await ftp.listen();
  closers.push(() => ftp.close());

  const r = rig({
    identity: { mac: '0C:11:05:00:00:01', name: 'Front door' },
    smtp: {
      host: '127.0.0.1',
      port: smtpPort,
      security: 'none',
      from: 'door@example.com',
      to: 'resident@example.com',
      subject: 'Ring at $name',
    },
    ftp: { url: `ftp://127.0.0.1:${ftpPort}/events`, username: 'door', password: 'pw' },
    intercom: {
      pushButton: { numbers: ['10.0.0.1'] },
      pushButtonAction: {
        relay: 2,
        http: true,
        httpUrl: `http://127.0.0.1:${httpPort}/ring?mac=$mac&door=$name&relay=$relay1status`,
        email: true,
        ftp: true,
      },
    },
  });
  // outbound I/O is real: let real time pass
  await r.features([], { clock: new RealClock() });
  t.after(() => r.stop());
  r.press();
  assert.equal(r.sip.dialed().length, 1, 'the press placed a call');
  assert.deepEqual([...r.relays.on], [1], "the action's relay is on while the call rings");

  const deadline = Date.now() + 10_000;
  const ftpFiles = async () => readdir(join(dir, 'events')).catch(() => [] as string[]);
  while (Date.now() < deadline && (got.http.length === 0 || got.mail.length === 0 || (await ftpFiles()).length === 0)) {
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.deepEqual(got.http, ['/ring?mac=0C1105000001&door=Front%20door&relay=0']);
  assert.equal(got.mail.length, 1);
  assert.match(got.mail[0]!, /^Subject: Ring at Front door$/m);
  assert.match(got.mail[0]!, /^To: resident@example\.com$/m);
  assert.match(got.mail[0]!, /input=Push button/);
  assert.deepEqual(got.mailFrom, ['door@example.com']);
  const files = await ftpFiles();
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^0C1105000001-.*\.txt$/);
  const record = await readFile(join(dir, 'events', files[0]!), 'utf8');
  assert.match(record, /^event=push-button$/m);
  assert.match(record, /^mac=0C:11:05:00:00:01$/m);
});
