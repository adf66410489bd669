/**
 * A per-device self-signed certificate (ECDSA P-256, SHA-256), built with node:crypto and a small
 * DER encoder: no openssl binary needed on the device.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import { bits, bool, explicit, implicit, octets, oid, seq, set, time, uint, utf8 } from './der.ts';

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';

export type SelfSigned = { keyPem: string; certPem: string };

export function selfSignedCertificate(opts: {
  commonName: string;
  altNames: string[];
  now: number;
  days: number;
}): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = seq(
    set(seq(oid('2.5.4.10'), utf8('Portier'))),
    set(seq(oid('2.5.4.3'), utf8(opts.commonName.slice(0, 64)))),
  );
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const notBefore = new Date(opts.now - 24 * 3600_000);
  const notAfter = new Date(opts.now + opts.days * 24 * 3600_000);
  const san = seq(
    ...opts.altNames.map((n) => {
      const v = isIP(n);
      if (v === 4) return implicit(7, Buffer.from(n.split('.').map(Number)));
      if (v === 6) return implicit(7, ipv6Bytes(n));
      return implicit(2, Buffer.from(n, 'ascii'));
    }),
  );
  const ext = (id: string, critical: boolean, value: Buffer) =>
    critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))),
    uint(serial),
    seq(oid(ECDSA_SHA256)),
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(
      3,
      seq(
        ext('2.5.29.19', true, seq()), // basicConstraints: not a CA
        ext('2.5.29.15', true, Buffer.from([0x03, 0x02, 0x07, 0x80])), // keyUsage: digitalSignature
        ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
        ext('2.5.29.17', false, san),
      ),
    ),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, seq(oid(ECDSA_SHA256)), bits(signature));
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certPem: `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`,
  };
}

function ipv6Bytes(addr: string): Buffer {
  const [head = '', tail = ''] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = addr.includes('::') && tail ? tail.split(':') : [];
  const groups = addr.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}
