/**
 * The messages a door phone sends out on events: HTTP GET, email (SMTP), a file on an FTP server.
 * The SMTP and FTP clients (nodemailer ~290 KB, basic-ftp) are loaded at their first use, not with
 * the agent: most doors never send either (bench/bundle.bench.ts shows what loads at start).
 */
import { Readable } from 'node:stream';
import { httpStream } from '../../../core/index.ts';
import type { Config } from '../../config/index.ts';

const TIMEOUT_MS = 5000;

export async function httpGet(url: string): Promise<number> {
  const res = await httpStream(url, { timeoutMs: TIMEOUT_MS, redirect: 'follow' });
  res.body.destroy(); // only the status is wanted
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.status;
}

export async function sendMail(smtp: Config['smtp'], mail: { subject: string; text: string }): Promise<void> {
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    auth: smtp.username ? { user: smtp.username, pass: smtp.password } : undefined,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ from: smtp.from || smtp.to, to: smtp.to, subject: mail.subject, text: mail.text });
  } finally {
    transport.close();
  }
}

/** Uploads `text` as `name` into the folder of `ftp.url` (ftp://host[:port]/folder). */
export async function ftpUpload(ftp: Config['ftp'], name: string, text: string): Promise<void> {
  const url = new URL(ftp.url);
  const { Client: FtpClient } = await import('basic-ftp');
  const client = new FtpClient(TIMEOUT_MS);
  try {
    await client.access({
      host: url.hostname,
      port: url.port ? Number(url.port) : 21,
      user: ftp.username || 'anonymous',
      password: ftp.password || 'portier@',
      secure: url.protocol === 'ftps:',
    });
    const folder = decodeURIComponent(url.pathname).replace(/\/+$/, '');
    if (folder) await client.ensureDir(folder);
    await client.uploadFrom(Readable.from([text]), name);
  } finally {
    client.close();
  }
}
