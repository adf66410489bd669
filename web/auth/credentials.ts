/**
 * The admin password, the first-run setup code and the API tokens, kept in the data dir
 * (`web/credentials.json`, mode 0600), never in the config or in autop files.
 * Only hashes are stored: scrypt for the password, SHA-256 for the tokens (256 random bits each).
 * Each token has a scope (read, door, admin); a token stored before scopes existed loads as
 * `admin`, what it could do then.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { Clock } from '../../core/index.ts';
import { readJson, writeJson } from './json-file.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { isTokenScope, type TokenScope } from './scopes.ts';

export const ADMIN_USER = 'admin';
const TOKEN_PREFIX = 'ptk_';
const MAX_TOKENS = 32;

export type TokenInfo = {
  id: string;
  name: string;
  scope: TokenScope;
  createdAt: number;
  lastUsedAt?: number;
  hint: string;
};
type StoredToken = TokenInfo & { hash: string };
type File = { version: 1; admin: { user: string; hash: string; changedAt: number } | null; tokens: StoredToken[] };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class CredentialStore {
  readonly file: string;
  #clock: Clock;
  #data: File = { version: 1, admin: null, tokens: [] };
  #byHash = new Map<string, StoredToken>();
  #setupCode: string | undefined;

  constructor(opts: { dataDir: string; clock: Clock }) {
    this.file = join(opts.dataDir, 'web', 'credentials.json');
    this.#clock = opts.clock;
  }

  async load(): Promise<void> {
    const d = await readJson<File>(this.file);
    if (d) {
      // Tokens made before scopes existed could do what the admin can: they load as `admin`.
      const tokens = (d.tokens ?? []).map((t) => ({ ...t, scope: isTokenScope(t.scope) ? t.scope : 'admin' }));
      this.#data = { version: 1, admin: d.admin ?? null, tokens };
    }
    this.#index();
    // A fresh code at every start until the admin password is set; it lives only in memory and the log.
    this.#setupCode = this.#data.admin ? undefined : newSetupCode();
  }

  get isSetUp(): boolean {
    return this.#data.admin !== null;
  }

  /** The one-time code the first-run setup asks for (undefined once the password is set). */
  get setupCode(): string | undefined {
    return this.#setupCode;
  }

  checkSetupCode(code: unknown): boolean {
    if (!this.#setupCode || typeof code !== 'string') return false;
    const a = Buffer.from(normalizeCode(code));
    const b = Buffer.from(normalizeCode(this.#setupCode));
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async setPassword(password: string): Promise<void> {
    this.#data.admin = { user: ADMIN_USER, hash: await hashPassword(password), changedAt: this.#clock.now() };
    this.#setupCode = undefined;
    await this.#save();
  }

  async verify(user: unknown, password: unknown): Promise<boolean> {
    const admin = this.#data.admin;
    if (!admin || typeof user !== 'string' || typeof password !== 'string' || password.length > 1024) return false;
    const good = await verifyPassword(password, admin.hash);
    return good && user === admin.user;
  }

  tokens(): TokenInfo[] {
    return this.#data.tokens.map(({ hash: _h, ...t }) => t);
  }

  /** Creates a token; its secret is returned once and only its hash is kept. */
  async createToken(name: string, scope: TokenScope): Promise<{ token: string; info: TokenInfo }> {
    if (this.#data.tokens.length >= MAX_TOKENS) throw new Error(`at most ${MAX_TOKENS} tokens`);
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const info: TokenInfo = {
      id: `tok_${randomBytes(6).toString('hex')}`,
      name,
      scope,
      createdAt: this.#clock.now(),
      hint: `${token.slice(0, 8)}…`,
    };
    this.#data.tokens.push({ ...info, hash: sha256(token) });
    this.#index();
    await this.#save();
    return { token, info };
  }

  async revokeToken(id: string): Promise<boolean> {
    const before = this.#data.tokens.length;
    this.#data.tokens = this.#data.tokens.filter((t) => t.id !== id);
    if (this.#data.tokens.length === before) return false;
    this.#index();
    await this.#save();
    return true;
  }

  /** The token a Bearer secret belongs to (lookup by hash: no timing leak on the secret). */
  findToken(secret: string): TokenInfo | undefined {
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 100) return undefined;
    const t = this.#byHash.get(sha256(secret));
    if (t) t.lastUsedAt = this.#clock.now(); // kept in memory; written with the next change
    return (
      t && { id: t.id, name: t.name, scope: t.scope, createdAt: t.createdAt, hint: t.hint, lastUsedAt: t.lastUsedAt }
    );
  }

  #index(): void {
    this.#byHash = new Map(this.#data.tokens.map((t) => [t.hash, t]));
  }

  #save(): Promise<void> {
    return writeJson(this.file, this.#data);
  }
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function newSetupCode(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}
