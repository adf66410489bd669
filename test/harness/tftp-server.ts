/**
 * A real TFTP server for tests: Debian's tftpd-hpa (`in.tftpd`) in the foreground on 127.0.0.1,
 * serving `dir` (chrooted with --secure, which needs root, as `make test` runs). Stopped by PID.
 */
import { fetchTftp } from '../../agent/provisioning/fetch-tftp.ts';
import { freeSipPort } from './ports.ts';
import { startProcess, type Tracked } from './processes.ts';

export type TftpServer = { port: number; url: string; process: Tracked; stop(): Promise<void> };

export async function startTftpServer(dir: string): Promise<TftpServer> {
  const port = await freeSipPort(1);
  const user = process.env.USER && process.env.USER !== 'root' ? process.env.USER : 'root';
  const p = startProcess('in.tftpd', '/usr/sbin/in.tftpd', [
    ...['--foreground', '--listen', '--address', `127.0.0.1:${port}`],
    ...['--secure', '--user', user, '--verbose', dir],
  ]);
  // Ready when it answers a read request (for a file that is not there).
  const url = `tftp://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (!p.running()) throw new Error(`in.tftpd exited: ${p.output()}`);
    try {
      await fetchTftp(new URL(`${url}/.probe`), { timeoutMs: 300, maxBytes: 1024, maxRedirects: 0 });
      break;
    } catch (err) {
      if (i > 30) {
        await p.stop();
        throw new Error(`in.tftpd did not answer on ${url}: ${(err as Error).message}\n${p.output()}`);
      }
    }
  }
  return { port, url, process: p, stop: () => p.stop() };
}
