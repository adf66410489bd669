/**
 * An HTTP client as integrators' 2N drivers use it: HTTP Basic, or Digest (RFC 7616) the way
 * py2n and curl --digest do it: send the request, take the 401's challenge (the algorithm asked
 * for, SHA-256 or MD5, qop=auth), answer it with a fresh cnonce and a nonce count, and retry on a
 * `stale=true` challenge. Written here from RFC 7616, independent of the server's code.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type DigestAlgorithm = 'MD5' | 'SHA-256';
export type Auth = { kind: 'basic' | 'digest'; user: string; password: string; algorithm?: DigestAlgorithm };
// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
export type Answer = { status: number; headers: Headers; body: any; text: string };

const H = (alg: DigestAlgorithm, s: string) =>
  createHash(alg === 'MD5' ? 'md5' : 'sha256')
    .update(s)
    .digest('hex');

/** The Digest challenges of a WWW-Authenticate header (one per algorithm), as name → params. */
export function digestChallenges(headers: Headers): Record<string, string>[] {
  const raw = headers.get('www-authenticate') ?? '';
  const out: Record<string, string>[] = [];
  for (const part of raw.split(/,\s*(?=Digest\s|Basic\s)/)) {
    if (!/^Digest\s/.test(part)) continue;
    const params: Record<string, string> = {};
    for (const m of part.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g))
      params[m[1]!.toLowerCase()] = m[2] ?? m[3]!;
    out.push(params);
  }
  return out;
}

export class DigestClient {
  readonly base: string;
  readonly auth: Auth;
  /** The challenge in use, and the nonce count sent with it. */
  #challenge: Record<string, string> | undefined;
  #nc = 0;
  /** How many 401s the client answered (a challenge taken). */
  challenges = 0;

  /** PEM of the CA (or the self-signed certificate) to trust for an https:// base. */
  readonly ca: string | undefined;

  constructor(base: string, auth: Auth, opts: { ca?: string } = {}) {
    this.base = base;
    this.auth = auth;
    this.ca = opts.ca;
  }

  /** Takes the challenge of a 401's WWW-Authenticate header (for the algorithm asked for). */
  useChallenge(headers: Headers): boolean {
    const wanted = this.auth.algorithm ?? 'SHA-256';
    const c = digestChallenges(headers).find((x) => (x.algorithm ?? 'MD5') === wanted);
    if (!c) return false;
    this.#challenge = c;
    this.#nc = 0;
    this.challenges++;
    return true;
  }

  authorization(method: string, uri: string): string | undefined {
    const a = this.auth;
    if (a.kind === 'basic') return `Basic ${Buffer.from(`${a.user}:${a.password}`).toString('base64')}`;
    const c = this.#challenge;
    if (!c) return undefined;
    const alg = (c.algorithm ?? 'MD5') as DigestAlgorithm;
    const nc = (++this.#nc).toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    const ha1 = H(alg, `${a.user}:${c.realm}:${a.password}`);
    const ha2 = H(alg, `${method}:${uri}`);
    const response = H(alg, `${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`);
    return `Digest username="${a.user}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", algorithm=${alg}, response="${response}", qop=auth, nc=${nc}, cnonce="${cnonce}"`;
  }

  /** A request; a 401 with a Digest challenge is answered once (again when the nonce is stale). */
  async req(method: string, uri: string, body?: unknown): Promise<Answer> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const headers: Record<string, string> = {};
      const authz = this.authorization(method, uri);
      if (authz) headers.authorization = authz;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const payload = body !== undefined ? JSON.stringify(body) : undefined;
      const r = await send(this.base + uri, method, headers, payload, this.ca);
      const answer: Answer = {
        status: r.status,
        headers: r.headers,
        text: r.text,
        body: r.text ? safeJson(r.text) : undefined,
      };
      if (r.status !== 401 || this.auth.kind === 'basic') return answer;
      // the first request has no credentials; after that only a stale nonce is worth another try
      const stale = /stale=true/i.test(r.headers.get('www-authenticate') ?? '');
      if ((authz && !stale) || !this.useChallenge(r.headers)) return answer;
    }
    throw new Error(`${method} ${uri}: still 401 after answering the challenges`);
  }

  get(uri: string): Promise<Answer> {
    return this.req('GET', uri);
  }
}

/** One HTTP(S) request as it is written (the path is sent unchanged, as the Digest `uri` says). */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  ca: string | undefined,
): Promise<{ status: number; headers: Headers; text: string }> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: url.slice(u.origin.length), method, headers, ...(ca ? { ca } : {}) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const x of [v ?? []].flat()) h.append(k, String(x));
          resolve({ status: res.statusCode ?? 0, headers: h, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
