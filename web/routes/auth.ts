/**
 * /api/v1/auth: first-run setup, login, logout, password change, API tokens (each with a scope).
 * Setup and login are the only state-changing routes reachable without a session; both are
 * rate limited per client address and refuse cross-site requests. The password and the tokens
 * are managed from the admin's session only (scope `session`: no API token may).
 */
import * as z from '../../core/zod.ts';
import {
  ADMIN_USER,
  checkPassword,
  loginLocked,
  passwordProblem,
  SESSION_COOKIE,
  saveLockouts,
  TOKEN_SCOPES,
} from '../auth/index.ts';
import { ApiError, ok } from '../errors.ts';
import type { HttpApp, Reply, Request } from '../http/index.ts';
import { parse, principalOf, type RouteContext } from './context.ts';

const text = (max: number) => z.string().check(z.maxLength(max));
const setupBody = z.object({ code: text(64), password: text(1024) });
const loginBody = z.object({ user: z._default(text(64), ADMIN_USER), password: text(1024) });
const passwordBody = z.object({ current: text(1024), password: text(1024) });
const tokenBody = z.object({
  name: z
    .string()
    .check(
      z.trim(),
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(64, { error: 'must be at most 64 characters' }),
      z.regex(/^[^\p{Cc}]*$/u, { error: 'must not contain control characters' }),
    ),
  scope: z.enum(TOKEN_SCOPES, { error: `must be one of ${TOKEN_SCOPES.join(', ')}` }),
});

export function authRoutes(app: HttpApp, ctx: RouteContext): void {
  const log = ctx.deps.log;
  const pub = { config: { public: true } };
  const sessionOnly = { config: { scope: 'session' as const } };

  const auth = { credentials: ctx.credentials, limiter: ctx.limiter, log };
  const locked = (req: Request) => {
    const ms = ctx.limiter.lockedFor(req.ip);
    if (ms > 0) throw loginLocked(ms);
  };

  const startSession = async (req: Request, reply: Reply, user: string) => {
    const { id, session } = await ctx.sessions.create(user);
    reply.setCookie(SESSION_COOKIE, id, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: req.protocol === 'https',
    });
    return { user, csrfToken: session.csrf };
  };

  app.get('/api/v1/auth/state', pub, async (req) => {
    const s = ctx.sessions.get(req.cookies[SESSION_COOKIE]);
    return ok({
      setUp: ctx.credentials.isSetUp,
      loggedIn: !!s,
      ...(s ? { user: s.user, csrfToken: s.csrf } : {}),
      dev: ctx.deps.dev,
    });
  });

  app.post('/api/v1/auth/setup', pub, async (req, reply) => {
    if (ctx.credentials.isSetUp) throw new ApiError('already_set_up', 'the admin password is already set: log in');
    locked(req);
    const body = parse(setupBody, req.body);
    if (!ctx.credentials.checkSetupCode(body.code)) {
      const left = ctx.limiter.failure(req.ip);
      await saveLockouts(auth);
      log.warn({ ip: req.ip }, 'first-run setup: wrong setup code');
      throw new ApiError('wrong_setup_code', 'wrong setup code: it is printed in the agent log at start', {
        attemptsLeft: left,
      });
    }
    const problem = passwordProblem(body.password);
    if (problem)
      throw new ApiError('weak_password', `password ${problem}`, { problems: [{ key: 'password', message: problem }] });
    ctx.limiter.success(req.ip);
    await saveLockouts(auth);
    await ctx.credentials.setPassword(body.password);
    log.info({ ip: req.ip }, 'first-run setup done: admin password set');
    return ok(await startSession(req, reply, ADMIN_USER));
  });

  app.post('/api/v1/auth/login', pub, async (req, reply) => {
    if (!ctx.credentials.isSetUp)
      throw new ApiError('setup_required', 'no admin password yet: complete the first-run setup');
    locked(req);
    const body = parse(loginBody, req.body);
    const left = await checkPassword(auth, req.ip, body.user, body.password);
    if (left !== undefined) {
      log.warn({ ip: req.ip, user: body.user.slice(0, 64), attemptsLeft: left }, 'login failed');
      throw new ApiError('wrong_password', 'wrong user name or password', { attemptsLeft: left });
    }
    log.info({ ip: req.ip, user: body.user }, 'logged in');
    return ok(await startSession(req, reply, body.user));
  });

  // Ends the caller's own session: harmless for any principal (a token has none to end).
  app.post('/api/v1/auth/logout', { config: { scope: 'read' } }, async (req, reply) => {
    const p = principalOf(req);
    if (p.kind === 'session') {
      await ctx.sessions.destroy(p.session.key);
      for (const s of ctx.streams) if (s.sessionKey === p.session.key) s.close();
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return ok({ loggedOut: true });
  });

  app.post('/api/v1/auth/password', sessionOnly, async (req) => {
    const p = principalOf(req);
    if (p.kind !== 'session') throw new ApiError('session_required', 'change the password from a logged-in session');
    locked(req);
    const body = parse(passwordBody, req.body);
    const left = await checkPassword(auth, req.ip, p.user, body.current);
    if (left !== undefined) {
      throw new ApiError('wrong_password', 'the current password is wrong', {
        attemptsLeft: left,
        problems: [{ key: 'current', message: 'is wrong' }],
      });
    }
    const problem = passwordProblem(body.password);
    if (problem)
      throw new ApiError('weak_password', `password ${problem}`, { problems: [{ key: 'password', message: problem }] });
    await ctx.credentials.setPassword(body.password);
    await ctx.sessions.destroyAll(p.session.key);
    for (const s of ctx.streams) if (s.sessionKey && s.sessionKey !== p.session.key) s.close();
    log.info('admin password changed; other sessions ended');
    return ok({ changed: true });
  });

  app.get('/api/v1/auth/tokens', sessionOnly, async () => ok({ tokens: ctx.credentials.tokens() }));

  app.post('/api/v1/auth/tokens', sessionOnly, async (req) => {
    const p = principalOf(req);
    if (p.kind !== 'session') throw new ApiError('session_required', 'API tokens are created from a logged-in session');
    const { name, scope } = parse(tokenBody, req.body);
    try {
      const { token, info } = await ctx.credentials.createToken(name, scope);
      log.info({ token: info.id, name, scope }, 'API token created');
      return ok({ token, info });
    } catch (err) {
      throw new ApiError('conflict', (err as Error).message);
    }
  });

  app.delete<{ Params: { id: string } }>('/api/v1/auth/tokens/:id', sessionOnly, async (req) => {
    const p = principalOf(req);
    if (p.kind !== 'session') throw new ApiError('session_required', 'API tokens are revoked from a logged-in session');
    if (!(await ctx.credentials.revokeToken(req.params.id))) throw new ApiError('not_found', 'no such token');
    log.info({ token: req.params.id }, 'API token revoked');
    return ok({ revoked: req.params.id });
  });
}
