/**
 * A real linphonec (Debian linphone-cli), a SIP client not built on baresip, on 127.0.0.1. It runs
 * under `script` so that it has a terminal (with a plain pipe on stdin it spins at 100% CPU), with
 * its own HOME (it needs a writable ~/.local/share/linphone, or its core never starts).
 *
 *   const lp = await Linphone.start({ autoAnswer: true });
 *   lp.uri                              // sip:linphone@127.0.0.1:<port>
 *   lp.send('call sip:portier@127.0.0.1:5070');
 *   await lp.waitFor(/Call \d+ with .* connected/);
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeRtpRange, freeSipPort } from './ports.ts';
import { startProcess, type Tracked } from './processes.ts';

export class Linphone {
  readonly uri: string;
  #proc: Tracked;
  #dir: string;

  private constructor(proc: Tracked, dir: string, port: number) {
    this.#proc = proc;
    this.#dir = dir;
    this.uri = `sip:linphone@127.0.0.1:${port}`;
  }

  static async start(opts: { autoAnswer?: boolean; debug?: boolean } = {}): Promise<Linphone> {
    const dir = await mkdtemp(join(tmpdir(), 'portier-linphone-'));
    await mkdir(join(dir, '.local/share/linphone'), { recursive: true });
    const port = await freeSipPort(1);
    const [rtpMin, rtpMax] = await freeRtpRange(10);
    const rc = join(dir, 'linphonerc');
    await writeFile(
      rc,
      [
        '[sip]',
        `sip_port=${port}`,
        'bind_address=127.0.0.1',
        'contact="Linphone" <sip:linphone@127.0.0.1>',
        'guess_hostname=0',
        // IPv4 only, as a resident's app on an IPv4 LAN: liblinphone removes use_ipv6=0 at its first
        // start (its "IPv6 migration") unless told the migration is done, and then offers the
        // host's IPv6 address in its SDP.
        'use_ipv6=0',
        'ipv6_migration_done=1',
        'prefer_ipv6=0',
        'sip_tcp_port=-1',
        'sip_tls_port=-1',
        'default_proxy=-1',
        'register_only_when_network_is_up=0',
        '[net]',
        'prefer_ipv6=0',
        'nat_address=127.0.0.1',
        'firewall_policy=1',
        '[rtp]',
        `audio_rtp_port=${rtpMin}-${rtpMax}`,
        'bind_address=127.0.0.1',
        '[sound]',
        'echocancellation=0',
        '[video]',
        'enabled=0',
        'display=0',
        'capture=0',
        '',
      ].join('\n'),
    );
    const cmd = `linphonec -c ${rc}${opts.autoAnswer ? ' -a' : ''} -d ${opts.debug ? 6 : 0}`;
    const proc = startProcess('linphonec', 'script', ['-qfc', cmd, '/dev/null'], {
      stdin: 'pipe',
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, TERM: 'dumb' },
    });
    const lp = new Linphone(proc, dir, port);
    await proc.waitForOutput(/linphonec>/, 10_000);
    return lp;
  }

  /** Types a command line (call <uri>, answer, terminate, digits to send as DTMF, quit ...). */
  send(line: string): void {
    this.#proc.child.stdin!.write(`${line}\n`);
  }

  waitFor(re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    return this.#proc.waitForOutput(re, timeoutMs);
  }

  output(): string {
    return this.#proc.output();
  }

  async stop(): Promise<void> {
    // `script` leaves linphonec behind if it is killed first: stop linphonec by its PID, then script.
    const child = await childPid(this.#proc.pid);
    if (this.#proc.running()) this.send('quit');
    await Promise.race([this.#proc.exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child !== undefined) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {}
    }
    await this.#proc.stop(1000);
    await rm(this.#dir, { recursive: true, force: true });
  }
}

async function childPid(pid: number): Promise<number | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    const first = text.trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}
