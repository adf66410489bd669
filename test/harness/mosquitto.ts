/**
 * A real mosquitto broker on 127.0.0.1 for one test file (Debian's `mosquitto`): TLS with a CA and
 * a server certificate made here with openssl, a password file (mosquitto_passwd), and an ACL
 * that confines each device to its own prefix (`pattern readwrite portier/v1/%u/#`) while the
 * operator may use every device's topics. Sessions and retained messages persist across a restart.
 *
 *   const broker = await startMosquitto({ devices: ['0c1105000001'] });
 *   broker.url            // mqtts://127.0.0.1:PORT
 *   broker.caFile         // the CA to verify it with
 *   broker.device('0c1105000001')  // { username, password }
 *   await broker.stop(); await broker.start(); await broker.close();
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeTcpPort } from './ports.ts';
import { startProcess, type Tracked } from './processes.ts';

const run = promisify(execFile);

export type Credentials = { username: string; password: string };

export type Mosquitto = {
  /** mqtts:// on the TLS listener. */
  url: string;
  port: number;
  /** mqtt:// on a plain TCP listener, when asked for (`tcp: true`). */
  tcpUrl?: string;
  /**
   * mqtts:// on a listener that requires a client certificate signed by the test CA and takes its
   * common name as the username (`certListener: true`).
   */
  certUrl?: string;
  /** A client certificate (CN = `id`) signed by the test CA: PEM files. */
  clientCert(id: string): Promise<{ certFile: string; keyFile: string }>;
  dir: string;
  caFile: string;
  ca: string;
  operator: Credentials;
  device(id: string): Credentials;
  /** Adds a device's credentials (reloads the broker). */
  addDevice(id: string): Promise<Credentials>;
  pid(): number | undefined;
  running(): boolean;
  /** What the broker printed. */
  log(): string;
  /** Stops the broker (SIGTERM: it saves its sessions and retained messages). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same state. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  close(): Promise<void>;
};

export type MosquittoOptions = {
  devices?: string[];
  /** Also listen on plain TCP (the dev run and the bench's bare round trip). */
  tcp?: boolean;
  /** Also listen for TLS with client certificates (the username is the certificate's CN). */
  certListener?: boolean;
  /** Raise the open-files limit for many connections (bench). */
  maxConnections?: number;
  /** Extra lines for mosquitto.conf. */
  extra?: string[];
  /** Extra ACL lines (after the device pattern and the operator), e.g. `user ha` + `topic readwrite homeassistant/#`. */
  acl?: string[];
};

/** A CA and a server certificate for 127.0.0.1/localhost, made with openssl (P-256 keys). */
export async function makeCertificates(dir: string): Promise<{ caFile: string; certFile: string; keyFile: string }> {
  await mkdir(dir, { recursive: true });
  const f = (n: string) => join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=Portier test CA',
  ]);
  await run('openssl', ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
  await writeFile(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '2',
    '-extfile',
    f('server.ext'),
  ]);
  return { caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key') };
}

const secret = () => randomBytes(12).toString('base64url');

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'portier-mosquitto-'));
  const certs = await makeCertificates(join(dir, 'tls'));
  const port = await freeTcpPort();
  const tcpPort = opts.tcp ? await freeTcpPort() : undefined;
  const certPort = opts.certListener ? await freeTcpPort() : undefined;
  const operator = { username: 'operator', password: secret() };
  const devices = new Map<string, Credentials>();
  for (const id of opts.devices ?? []) devices.set(id, { username: id, password: secret() });
  await mkdir(join(dir, 'data'));

  const writeAuth = async () => {
    const users = [operator, ...devices.values()];
    await writeFile(join(dir, 'passwd'), users.map((u) => `${u.username}:${u.password}\n`).join(''), { mode: 0o600 });
    await run('mosquitto_passwd', ['-U', join(dir, 'passwd')]);
    // `pattern` lines apply to every client: a device reads and writes only below its own prefix.
    await writeFile(
      join(dir, 'acl'),
      [
        'pattern readwrite portier/v1/%u/#',
        '',
        `user ${operator.username}`,
        'topic readwrite portier/v1/#',
        '',
        ...(opts.acl ?? []),
        '',
      ].join('\n'),
    );
  };
  await writeAuth();
  const conf = [
    `user ${userInfo().username}`,
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${join(dir, 'passwd')}`,
    `acl_file ${join(dir, 'acl')}`,
    'persistence true',
    `persistence_location ${join(dir, 'data')}/`,
    'persistent_client_expiration 14d',
    'max_queued_messages 1000',
    'set_tcp_nodelay true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    `listener ${port} 127.0.0.1`,
    `cafile ${certs.caFile}`,
    `certfile ${certs.certFile}`,
    `keyfile ${certs.keyFile}`,
    ...(tcpPort ? [`listener ${tcpPort} 127.0.0.1`] : []),
    ...(certPort
      ? [
          `listener ${certPort} 127.0.0.1`,
          `cafile ${certs.caFile}`,
          `certfile ${certs.certFile}`,
          `keyfile ${certs.keyFile}`,
          'require_certificate true',
          'use_identity_as_username true',
        ]
      : []),
    ...(opts.extra ?? []),
    '',
  ];
  await writeFile(join(dir, 'mosquitto.conf'), conf.join('\n'));

  let proc: Tracked | undefined;
  let past = '';
  const start = async () => {
    proc = startProcess('mosquitto', 'mosquitto', ['-c', join(dir, 'mosquitto.conf')]);
    if (opts.maxConnections) {
      // the broker's open-files limit caps its connections (typically near 1,024)
      await run('prlimit', [`--pid=${proc.pid}`, `--nofile=${opts.maxConnections}:${opts.maxConnections}`]).catch(
        () => {},
      );
    }
    await proc.waitForOutput(/mosquitto version \S+ running/, 10_000);
  };
  await start();
  const ca = await readFile(certs.caFile, 'utf8');
  const b: Mosquitto = {
    url: `mqtts://127.0.0.1:${port}`,
    port,
    ...(tcpPort ? { tcpUrl: `mqtt://127.0.0.1:${tcpPort}` } : {}),
    ...(certPort ? { certUrl: `mqtts://127.0.0.1:${certPort}` } : {}),
    async clientCert(id) {
      const f = (n: string) => join(dir, 'tls', `${id}.${n}`);
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
      await run('openssl', ['req', ...ec, '-keyout', f('key'), '-out', f('csr'), '-subj', `/CN=${id}`]);
      await run('openssl', [
        'x509',
        '-req',
        '-in',
        f('csr'),
        '-CA',
        certs.caFile,
        '-CAkey',
        join(dir, 'tls', 'ca.key'),
        '-CAcreateserial',
        '-out',
        f('crt'),
        '-days',
        '2',
      ]);
      return { certFile: f('crt'), keyFile: f('key') };
    },
    dir,
    caFile: certs.caFile,
    ca,
    operator,
    device(id) {
      const c = devices.get(id);
      if (!c) throw new Error(`no credentials for device ${id}`);
      return c;
    },
    async addDevice(id) {
      const c = { username: id, password: secret() };
      devices.set(id, c);
      await writeAuth();
      proc?.child.kill('SIGHUP');
      return c;
    },
    pid: () => proc?.pid,
    running: () => proc?.running() ?? false,
    log: () => past + (proc?.output() ?? ''),
    async stop() {
      if (!proc) return;
      await proc.stop();
      past += proc.output();
      proc = undefined;
    },
    start,
    async close() {
      await b.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return b;
}
