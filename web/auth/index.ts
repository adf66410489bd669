/** Authentication of the web UI and API: admin password, sessions, CSRF, login rate limit, API tokens. */
export { ADMIN_USER, CredentialStore, type TokenInfo } from './credentials.ts';
export { type AuthDeps, authenticate, CSRF_HEADER, crossSite, type Principal, principalName } from './guard.ts';
export { LoginLimiter, MAX_FAILURES } from './login-limiter.ts';
export { passwordProblem } from './passwords.ts';
export { SESSION_COOKIE, type Session, SessionStore } from './sessions.ts';
