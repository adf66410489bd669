/** The device's HTTPS certificate: generated on first run, kept in the data dir (`web/tls/`). */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from './certificate.ts';

export { selfSignedCertificate } from './certificate.ts';

export type DeviceCertificate = { key: string; cert: string; fingerprint256: string; generated: boolean };

/** Reads the certificate of the device, generating it the first time. */
export async function ensureDeviceCertificate(
  dataDir: string,
  opts: { name: string; now: number },
): Promise<DeviceCertificate> {
  const dir = join(dataDir, 'web', 'tls');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  try {
    const [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
    return { key, cert, fingerprint256: new X509Certificate(cert).fingerprint256, generated: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const host = hostname();
  const ips = Object.values(networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((i) => i.family === 'IPv4')
    .map((i) => i.address);
  const altNames = [...new Set(['localhost', host, ...ips, '127.0.0.1'])].filter((n) => /^[A-Za-z0-9.:-]+$/.test(n));
  const { keyPem, certPem } = selfSignedCertificate({
    commonName: opts.name || host,
    altNames,
    now: opts.now,
    days: 3650,
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, keyPem, { mode: 0o600 });
  await writeFile(certFile, certPem, { mode: 0o644 });
  return { key: keyPem, cert: certPem, fingerprint256: new X509Certificate(certPem).fingerprint256, generated: true };
}
