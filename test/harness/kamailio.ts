/**
 * A real kamailio registrar/proxy with digest auth on 127.0.0.1, for one test file: subscribers
 * generated per run (user 1001, 1002 ... with random passwords), UDP and TCP on a free port,
 * location in memory (a restart loses the registrations, as with the real thing).
 *
 *   const pbx = await startKamailio({ subscribers: 3, rejects: { '1099': 603 } });
 *   pbx.subscribers[0]  // { user: '1001', password: '...' }
 *   pbx.count('REGISTER', '1001')  // requests seen, from its log
 *   await pbx.restart(); await pbx.stop();
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeSipPort } from './ports.ts';
import { startProcess, type Tracked } from './processes.ts';

export type Subscriber = { user: string; password: string };

export type KamailioOptions = {
  /** How many subscribers (1001, 1002 ...), or the list. */
  subscribers?: number | Subscriber[];
  /** Extensions answered at once with a status code by the PBX itself (e.g. a DND user: 603). */
  rejects?: Record<string, number>;
  /** Shortest registration accepted (s); low values make refreshes fast in tests. */
  minExpires?: number;
  /**
   * Source ports on 127.0.0.1 trusted without authentication: devices in static-IP mode (the PBX
   * knows them by address and sends them calls there; they never register).
   */
  trusted?: { port: number; user: string }[];
};

export type Kamailio = {
  host: string;
  port: number;
  /** The SIP domain (127.0.0.1). */
  domain: string;
  subscribers: Subscriber[];
  pid(): number;
  /** Requests seen by the PBX: method, optionally from one user (From user) and over one transport. */
  count(method: string, user?: string, proto?: 'udp' | 'tcp'): number;
  log(): string;
  restart(): Promise<void>;
  stop(): Promise<void>;
};

const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

function config(
  port: number,
  dbDir: string,
  rejects: Record<string, number>,
  minExpires: number,
  trusted: { port: number; user: string }[],
): string {
  const trustedSrc = trusted.map((t) => `($si == "127.0.0.1" && $sp == ${t.port})`).join(' || ') || '$null != $null';
  const trustedDst = trusted
    .map(
      (t) =>
        `  if ($rU == "${t.user}") { $du = "sip:127.0.0.1:${t.port}"; if (is_method("INVITE")) { record_route(); } t_relay(); exit; }`,
    )
    .join('\n');
  const rejectLines = Object.entries(rejects)
    .map(
      ([user, code]) => `  if ($rU == "${user}") { sl_send_reply("${code}", "${REASON[code] ?? 'Rejected'}"); exit; }`,
    )
    .join('\n');
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
mpath="${MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "db_text.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", ${minExpires})
modparam("auth_db", "db_url", "text://${dbDir}")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "load_credentials", "")
request_route {
  xlog("L_NOTICE", "REQ $rm ruser=$rU from=$fU proto=$pr src=$si:$sp\\n");
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  t_check_trans();
  if (is_method("OPTIONS") && uri == myself && $rU == $null) { sl_send_reply("200", "OK"); exit; }
  if (is_method("REGISTER")) {
    if (!auth_check("$fd", "subscriber", "1")) { auth_challenge("$fd", "0"); exit; }
    if (!save("location")) { sl_reply_error(); }
    exit;
  }
  if (!(${trustedSrc})) {
    if (!auth_check("$fd", "subscriber", "1")) { auth_challenge("$fd", "0"); exit; }
    consume_credentials();
  }
  if (!(uri == myself)) { sl_send_reply("403", "Not relaying"); exit; }
${rejectLines}
${trustedDst}
  if (is_method("INVITE")) { record_route(); }
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
`;
}

const REASON: Record<number, string> = {
  403: 'Forbidden',
  404: 'Not Found',
  480: 'Temporarily Unavailable',
  486: 'Busy Here',
  603: 'Decline',
};

export async function startKamailio(opts: KamailioOptions = {}): Promise<Kamailio> {
  const subscribers: Subscriber[] = Array.isArray(opts.subscribers)
    ? opts.subscribers
    : Array.from({ length: opts.subscribers ?? 2 }, (_, i) => ({
        user: String(1001 + i),
        password: randomBytes(6).toString('hex'),
      }));
  const dir = await mkdtemp(join(tmpdir(), 'portier-kamailio-'));
  const db = join(dir, 'db');
  await mkdir(db);
  await writeFile(join(db, 'version'), 'table_name(string) table_version(int)\nsubscriber:7\nlocation:9\n');
  const rows = subscribers.map((s, i) => `${i + 1}:${s.user}:127.0.0.1:${s.password}:::`).join('\n');
  await writeFile(
    join(db, 'subscriber'),
    `id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null)\n${rows}\n`,
  );
  const port = await freeSipPort(1);
  await writeFile(
    join(dir, 'kamailio.cfg'),
    config(port, db, opts.rejects ?? {}, opts.minExpires ?? 2, opts.trusted ?? []),
  );
  let proc: Tracked;
  let previousLog = '';
  const launch = async () => {
    proc = startProcess(
      'kamailio',
      'kamailio',
      ['-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-m', '32', '-M', '8', '-P', join(dir, 'kamailio.pid'), '-Y', dir],
      { cwd: dir },
    );
    await ready(port, proc);
  };
  await launch();
  return {
    host: '127.0.0.1',
    port,
    domain: '127.0.0.1',
    subscribers,
    pid: () => proc.pid,
    log: () => previousLog + proc.output(),
    count(method, user, proto) {
      const re = new RegExp(`REQ ${method} ruser=\\S* from=${user ?? '\\S*'} proto=${proto ?? '\\S*'} `, 'g');
      return (previousLog + proc.output()).match(re)?.length ?? 0;
    },
    async restart() {
      previousLog += proc.output();
      await proc.stop();
      await launch();
    },
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Ready when an OPTIONS to the proxy itself is answered 200 over UDP. */
async function ready(port: number, proc: Tracked): Promise<void> {
  const { createSocket } = await import('node:dgram');
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const lport = s.address().port;
  try {
    const end = Date.now() + 10_000;
    for (let i = 0; ; i++) {
      if (!proc.running()) throw new Error(`kamailio exited:\n${proc.output().slice(-2000)}`);
      const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
      const msg = [
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=${branch};rport`,
        'Max-Forwards: 5',
        `From: <sip:probe@127.0.0.1>;tag=${i}`,
        `To: <sip:127.0.0.1:${port}>`,
        `Call-ID: probe-${branch}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      const answered = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 100);
        s.once('message', (m) => {
          clearTimeout(t);
          resolve(m.toString().startsWith('SIP/2.0 200'));
        });
      });
      s.send(msg, port, '127.0.0.1');
      if (await answered) return;
      if (Date.now() > end)
        throw new Error(`kamailio did not answer OPTIONS on ${port}:\n${proc.output().slice(-2000)}`);
    }
  } finally {
    s.close();
  }
}
