/**
 * The admin password checked under the login limit (login, password change, export with secrets):
 * the attempt is counted before the scrypt hash is awaited, so a burst of concurrent attempts
 * cannot all pass the check, and it is taken back when the password is right.
 */
import type { Logger } from '../../core/index.ts';
import { ApiError } from '../errors.ts';
import type { CredentialStore } from './credentials.ts';
import { type LoginLimiter, MAX_FAILURES } from './login-limiter.ts';

export type PasswordCheckDeps = { credentials: CredentialStore; limiter: LoginLimiter; log: Logger };

/** The 429 of a locked address, with Retry-After. */
export function loginLocked(ms: number): ApiError {
  return new ApiError('login_locked', `too many failed attempts: try again in ${Math.ceil(ms / 60_000)} min`, {
    retryAfter: Math.ceil(ms / 1000),
  });
}

/**
 * Undefined when the password is right; else the attempts left before a lockout. Throws
 * login_locked while the address is locked, and when this attempt was the last one.
 */
export async function checkPassword(
  deps: PasswordCheckDeps,
  ip: string,
  user: string,
  password: string,
): Promise<number | undefined> {
  const { limiter, log } = deps;
  const a = limiter.attempt(ip);
  if (!a.ok) throw loginLocked(a.lockedMs);
  const good = await deps.credentials.verify(user, password);
  if (good) limiter.success(ip);
  await saveLockouts(deps);
  if (good) return undefined;
  if (a.left === 0) {
    log.warn({ ip }, `login locked after ${MAX_FAILURES} failed attempts`);
    throw loginLocked(limiter.lockedFor(ip));
  }
  return a.left;
}

/** The lockout state on disk before the answer; a failed write is logged (it must not keep the admin out). */
export function saveLockouts(deps: Pick<PasswordCheckDeps, 'limiter' | 'log'>): Promise<void> {
  return deps.limiter
    .flush()
    .catch((err) => deps.log.error({ err }, `the login lockouts could not be saved: ${(err as Error).message}`));
}
