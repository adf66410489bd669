/** A real FTP server for tests (ftp-srv) on 127.0.0.1, serving `dir` to one user. */
import { FtpSrv } from 'ftp-srv';
import { freeTcpPort } from './ports.ts';

export type FtpServer = { port: number; url: string; logins: string[]; close(): Promise<void> };

const quiet = { info() {}, debug() {}, trace() {}, warn() {}, error() {}, child: () => quiet };

export async function startFtpServer(dir: string, user: string, password: string): Promise<FtpServer> {
  const port = await freeTcpPort();
  const pasv = await freeTcpPort();
  const logins: string[] = [];
  const ftp = new FtpSrv({
    url: `ftp://127.0.0.1:${port}`,
    pasv_url: '127.0.0.1',
    pasv_min: pasv,
    pasv_max: pasv,
    anonymous: false,
    greeting: 'test server',
    log: quiet as never,
  });
  ftp.on('login', ({ username, password: pw }, resolve, reject) => {
    logins.push(username);
    if (username === user && pw === password) resolve({ root: dir });
    else reject(new Error('bad login'));
  });
  await ftp.listen();
  return { port, url: `ftp://127.0.0.1:${port}`, logins, close: () => ftp.close() };
}
