/**
 * Login sessions: a random id in an HttpOnly cookie, a CSRF token per session, idle and absolute
 * expiry. Persisted in the data dir (`web/sessions.json`, only SHA-256 of the ids) so that an agent
 * restart does not log the admin out.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Clock } from '../../core/index.ts';
import { readJson, writeJson } from './json-file.ts';

export const SESSION_COOKIE = 'portier_session';
const IDLE_MS = 2 * 3600_000;
const ABSOLUTE_MS = 24 * 3600_000;
const MAX_SESSIONS = 32;

export type Session = { key: string; user: string; csrf: string; createdAt: number; lastSeenAt: number };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class SessionStore {
  readonly file: string;
  #clock: Clock;
  #sessions = new Map<string, Session>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: { dataDir: string; clock: Clock }) {
    this.file = join(opts.dataDir, 'web', 'sessions.json');
    this.#clock = opts.clock;
  }

  async load(): Promise<void> {
    const d = await readJson<{ sessions: Session[] }>(this.file);
    this.#sessions = new Map((d?.sessions ?? []).map((s) => [s.key, s]));
    this.#sweep();
  }

  /** Creates a session; returns the cookie value (the only place the raw id exists). */
  async create(user: string): Promise<{ id: string; session: Session }> {
    this.#sweep();
    const id = randomBytes(32).toString('base64url');
    const now = this.#clock.now();
    const session: Session = {
      key: sha256(id),
      user,
      csrf: randomBytes(24).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
    };
    this.#sessions.set(session.key, session);
    while (this.#sessions.size > MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    await this.#save();
    return { id, session };
  }

  /** The live session of a cookie value, touched; undefined if unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id || id.length > 100) return undefined;
    const s = this.#sessions.get(sha256(id));
    if (!s) return undefined;
    const now = this.#clock.now();
    if (now - s.lastSeenAt > IDLE_MS || now - s.createdAt > ABSOLUTE_MS) {
      this.#sessions.delete(s.key);
      return undefined;
    }
    s.lastSeenAt = now;
    return s;
  }

  /** Is the session still there (not logged out, not expired)? Does not count as activity. */
  alive(key: string): boolean {
    const s = this.#sessions.get(key);
    const now = this.#clock.now();
    return !!s && now - s.lastSeenAt <= IDLE_MS && now - s.createdAt <= ABSOLUTE_MS;
  }

  async destroy(key: string): Promise<void> {
    if (this.#sessions.delete(key)) await this.#save();
  }

  /** Ends every session (after a password change), but `keep`. */
  async destroyAll(keep?: string): Promise<void> {
    for (const k of [...this.#sessions.keys()]) if (k !== keep) this.#sessions.delete(k);
    await this.#save();
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [k, s] of this.#sessions)
      if (now - s.lastSeenAt > IDLE_MS || now - s.createdAt > ABSOLUTE_MS) this.#sessions.delete(k);
  }

  #save(): Promise<void> {
    const run = this.#queue.then(() => writeJson(this.file, { sessions: [...this.#sessions.values()] }));
    this.#queue = run.catch(() => {});
    return run;
  }
}
