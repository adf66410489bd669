/**
 * API users of the 2N-style HTTP API: their own user name and password, and a scope (read, door,
 * admin), authenticated with HTTP Basic or Digest as 2N devices offer it. Off by default (no user
 * can authenticate until the admin turns it on). Kept in the data dir (`web/api-users.json`, mode
 * 0600), never in the config, never readable through an API.
 *
 * Digest needs HA1 = H(user:realm:password) on the server, which is password-equivalent for this
 * realm: only the HA1s (MD5 and SHA-256) are stored, never the password, and Basic is checked
 * against them too. Managed from the admin's logged-in session (Security & System).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { Clock } from '../../core/index.ts';
import type { Request } from '../http/index.ts';
import { DIGEST_ALGORITHMS, type DigestAlgorithm, DigestNonces, ha1 } from './digest.ts';
import { readJson, writeJson } from './json-file.ts';
import { isTokenScope, type TokenScope } from './scopes.ts';

export const MAX_API_USERS = 16;

export type ApiUserInfo = { id: string; user: string; scope: TokenScope; createdAt: number; lastUsedAt?: number };
type StoredUser = ApiUserInfo & { ha1: Record<DigestAlgorithm, string> };
type File = { version: 1; enabled: boolean; users: StoredUser[] };

/** What authenticating a Basic or Digest header gives. */
export type ApiUserAuth =
  | { ok: true; user: ApiUserInfo }
  /** `guess`: a wrong password or user name (counts toward the lockout); `stale`: an expired nonce. */
  | { ok: false; reason: string; stale?: boolean; guess?: boolean };

/** A user name as 2N allows them: letters, digits and `_ . @ -`, 1 to 32. */
export const API_USER_NAME = /^[A-Za-z0-9_.@-]{1,32}$/;

export class ApiUserStore {
  readonly file: string;
  #clock: Clock;
  #data: File = { version: 1, enabled: false, users: [] };
  #nonces: DigestNonces;

  constructor(opts: { dataDir: string; clock: Clock }) {
    this.file = join(opts.dataDir, 'web', 'api-users.json');
    this.#clock = opts.clock;
    this.#nonces = new DigestNonces(() => opts.clock.now());
  }

  async load(): Promise<void> {
    const d = await readJson<File>(this.file);
    if (d)
      this.#data = {
        version: 1,
        enabled: d.enabled === true,
        users: (d.users ?? []).filter((u) => isTokenScope(u.scope) && u.ha1?.MD5 && u.ha1?.['SHA-256']),
      };
  }

  get enabled(): boolean {
    return this.#data.enabled;
  }

  async setEnabled(on: boolean): Promise<void> {
    this.#data.enabled = on;
    await this.#save();
  }

  list(): ApiUserInfo[] {
    return this.#data.users.map(({ ha1: _h, ...u }) => u);
  }

  async create(user: string, password: string, scope: TokenScope): Promise<ApiUserInfo> {
    if (this.#data.users.length >= MAX_API_USERS) throw new Error(`at most ${MAX_API_USERS} API users`);
    if (this.#data.users.some((u) => u.user === user)) throw new Error(`an API user ${user} exists already`);
    const info: ApiUserInfo = {
      id: `apu_${randomBytes(6).toString('hex')}`,
      user,
      scope,
      createdAt: this.#clock.now(),
    };
    const hashes = Object.fromEntries(DIGEST_ALGORITHMS.map((a) => [a, ha1(a, user, password)])) as StoredUser['ha1'];
    this.#data.users.push({ ...info, ha1: hashes });
    await this.#save();
    return info;
  }

  async remove(id: string): Promise<boolean> {
    const before = this.#data.users.length;
    this.#data.users = this.#data.users.filter((u) => u.id !== id);
    if (this.#data.users.length === before) return false;
    await this.#save();
    return true;
  }

  /** The WWW-Authenticate challenges of a 401 (none while API users are off). */
  challenges(stale = false): string[] {
    if (!this.enabled) return [];
    return [...this.#nonces.challenges(stale), 'Basic realm="Portier API", charset="UTF-8"'];
  }

  /** Checks an `Authorization: Basic ...` or `Digest ...` header of this request. */
  authenticate(req: Pick<Request, 'headers' | 'method' | 'url'>): ApiUserAuth {
    const header = req.headers.authorization ?? '';
    if (!this.enabled) return { ok: false, reason: 'API users (Basic and Digest) are turned off on this device' };
    if (/^Basic\s/i.test(header)) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const user = i > 0 ? this.#find(decoded.slice(0, i)) : undefined;
      const good = user && same(user.ha1.MD5, ha1('MD5', user.user, decoded.slice(i + 1)));
      return good
        ? { ok: true, user: this.#used(user) }
        : { ok: false, reason: 'wrong user name or password', guess: true };
    }
    const r = this.#nonces.check(header, req.method, req.url, (name, alg) => this.#find(name)?.ha1[alg]);
    if (r.ok) return { ok: true, user: this.#used(this.#find(r.user)!) };
    if (r.reason === 'stale') return { ok: false, reason: 'the Digest nonce has expired', stale: true };
    return {
      ok: false,
      reason: r.reason === 'malformed' ? 'a malformed Digest header' : 'wrong user name or password',
    };
  }

  #find(name: string): StoredUser | undefined {
    return this.#data.users.find((u) => u.user === name);
  }

  #used(u: StoredUser): ApiUserInfo {
    u.lastUsedAt = this.#clock.now(); // kept in memory; written with the next change
    const { ha1: _h, ...info } = u;
    return info;
  }

  #save(): Promise<void> {
    return writeJson(this.file, this.#data);
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
