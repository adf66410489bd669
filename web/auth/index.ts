/** Authentication of the web UI and API: admin password, sessions, CSRF, login rate limit, API tokens. */
export { API_USER_NAME, type ApiUserInfo, ApiUserStore, MAX_API_USERS } from './api-users.ts';
export { ADMIN_USER, CredentialStore, type TokenInfo } from './credentials.ts';
export {
  type AuthDeps,
  authenticate,
  authorize,
  CSRF_HEADER,
  crossSite,
  type Principal,
  principalName,
} from './guard.ts';
export { type Attempt, LoginLimiter, MAX_FAILURES } from './login-limiter.ts';
export { checkPassword, loginLocked, type PasswordCheckDeps, saveLockouts } from './password-check.ts';
export { passwordProblem } from './passwords.ts';
export { covers, isTokenScope, neededScope, type RouteScope, TOKEN_SCOPES, type TokenScope } from './scopes.ts';
export { SESSION_COOKIE, type Session, SessionStore } from './sessions.ts';
