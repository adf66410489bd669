/**
 * HTTP Digest authentication (RFC 7616) as 2N devices offer it to integrators: MD5 and SHA-256,
 * qop=auth, and a nonce that expires. The nonce is stateless (its time and an HMAC of it with a
 * secret made at start), so that any number of clients can hold one; a nonce count must grow per
 * nonce (a replayed request is refused). An expired nonce gets a new challenge with `stale=true`,
 * and the client retries without asking the user again.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const DIGEST_REALM = 'Portier API';
export const DIGEST_ALGORITHMS = ['SHA-256', 'MD5'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** How long a nonce may be used. */
export const NONCE_TTL_MS = 5 * 60_000;

const HASH: Record<DigestAlgorithm, string> = { 'SHA-256': 'sha256', MD5: 'md5' };

export const digestHash = (alg: DigestAlgorithm, s: string) => createHash(HASH[alg]).update(s, 'utf8').digest('hex');

/** HA1 = H(username:realm:password): what the server must keep to check a Digest response. */
export function ha1(alg: DigestAlgorithm, user: string, password: string): string {
  return digestHash(alg, `${user}:${DIGEST_REALM}:${password}`);
}

/** The parameters of an `Authorization: Digest ...` header (quoted or token values). */
export function parseDigest(header: string): Record<string, string> | undefined {
  const m = /^Digest\s+(.*)$/is.exec(header);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/g;
  for (const p of m[1]!.matchAll(re)) {
    if (!p[1]) continue;
    out[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return out;
}

export type DigestCheck =
  | { ok: true; user: string }
  | { ok: false; reason: 'malformed' | 'unknown-user' | 'wrong' | 'stale' | 'replay' | 'uri' };

export class DigestNonces {
  #secret = randomBytes(32);
  #now: () => number;
  /** The highest nonce count seen per nonce (pruned when the nonce expires). */
  #counts = new Map<string, { nc: number; expires: number }>();

  constructor(now: () => number) {
    this.#now = now;
  }

  issue(): string {
    const t = this.#now().toString(36);
    return `${t}.${this.#mac(t)}`;
  }

  /** The challenges of a 401: one per algorithm, the preferred (SHA-256) first. */
  challenges(stale = false): string[] {
    const nonce = this.issue();
    return DIGEST_ALGORITHMS.map(
      (alg) =>
        `Digest realm="${DIGEST_REALM}", qop="auth", algorithm=${alg}, nonce="${nonce}"${stale ? ', stale=true' : ''}`,
    );
  }

  /**
   * Checks a Digest response for `method` and the request's `uri` (path and query as sent), with
   * `ha1Of` giving the stored HA1 of a user for an algorithm.
   */
  check(
    header: string,
    method: string,
    uri: string,
    ha1Of: (user: string, alg: DigestAlgorithm) => string | undefined,
  ): DigestCheck {
    const d = parseDigest(header);
    if (!d?.username || !d.nonce || !d.response || !d.uri) return { ok: false, reason: 'malformed' };
    const alg =
      (d.algorithm ?? 'MD5').toUpperCase() === 'SHA-256'
        ? 'SHA-256'
        : (d.algorithm ?? 'MD5').toUpperCase() === 'MD5'
          ? 'MD5'
          : undefined;
    if (!alg || d.realm !== DIGEST_REALM || d.qop !== 'auth' || !d.cnonce || !/^[0-9a-f]{8}$/i.test(d.nc ?? ''))
      return { ok: false, reason: 'malformed' };
    if (d.uri !== uri) return { ok: false, reason: 'uri' };
    const [t, mac] = d.nonce.split('.');
    if (!t || !mac || !same(mac, this.#mac(t))) return { ok: false, reason: 'malformed' };
    const issued = Number.parseInt(t, 36);
    const now = this.#now();
    const stored = ha1Of(d.username, alg);
    if (!stored) return { ok: false, reason: 'unknown-user' };
    const ha2 = digestHash(alg, `${method}:${d.uri}`);
    const expected = digestHash(alg, `${stored}:${d.nonce}:${d.nc}:${d.cnonce}:auth:${ha2}`);
    if (!same(d.response.toLowerCase(), expected)) return { ok: false, reason: 'wrong' };
    if (!(issued <= now && now - issued < NONCE_TTL_MS)) return { ok: false, reason: 'stale' };
    this.#prune(now);
    const nc = Number.parseInt(d.nc!, 16);
    const seen = this.#counts.get(d.nonce);
    if (seen && nc <= seen.nc) return { ok: false, reason: 'replay' };
    this.#counts.set(d.nonce, { nc, expires: issued + NONCE_TTL_MS });
    return { ok: true, user: d.username };
  }

  #mac(t: string): string {
    return createHmac('sha256', this.#secret).update(t).digest('base64url').slice(0, 22);
  }

  #prune(now: number): void {
    if (this.#counts.size < 1000) return;
    for (const [n, c] of this.#counts) if (c.expires <= now) this.#counts.delete(n);
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
