/**
 * API users of the 2N-style API (HTTP Basic and Digest), managed from the admin's logged-in session
 * only (Security & System): the on/off switch (off by default), the list (never a password or a
 * hash), create and delete. `/api/v1/auth/api-users`.
 */
import * as z from '../../../core/zod.ts';
import { API_USER_NAME, passwordProblem, TOKEN_SCOPES } from '../../auth/index.ts';
import { ApiError, ok } from '../../errors.ts';
import type { HttpApp } from '../../http/index.ts';
import { parse, type RouteContext } from '../context.ts';

const createBody = z.object({
  user: z.string({ error: 'must be text' }).check(
    z.regex(API_USER_NAME, {
      error: 'must be 1 to 32 letters, digits or _ . @ -',
    }),
  ),
  password: z.string({ error: 'must be text' }),
  scope: z.enum(TOKEN_SCOPES, { error: `must be one of ${TOKEN_SCOPES.join(', ')}` }),
});
const enabledBody = z.object({ enabled: z.boolean({ error: 'must be true or false' }) });

export function apiUserRoutes(app: HttpApp, ctx: RouteContext): void {
  const sessionOnly = { config: { scope: 'session' as const } };
  const log = ctx.deps.log;
  const view = () => ({ enabled: ctx.apiUsers.enabled, users: ctx.apiUsers.list() });

  app.get('/api/v1/auth/api-users', sessionOnly, async () => ok(view()));

  app.post('/api/v1/auth/api-users/enabled', sessionOnly, async (req) => {
    const { enabled } = parse(enabledBody, req.body);
    await ctx.apiUsers.setEnabled(enabled);
    log.info({ enabled }, `API users (HTTP Basic and Digest) turned ${enabled ? 'on' : 'off'}`);
    return ok(view());
  });

  app.post('/api/v1/auth/api-users', sessionOnly, async (req) => {
    const body = parse(createBody, req.body);
    const problem = passwordProblem(body.password);
    if (problem)
      throw new ApiError('weak_password', `password ${problem}`, { problems: [{ key: 'password', message: problem }] });
    try {
      const user = await ctx.apiUsers.create(body.user, body.password, body.scope);
      log.info({ user: user.user, scope: user.scope }, 'API user created');
      return ok({ user });
    } catch (err) {
      throw new ApiError('conflict', (err as Error).message);
    }
  });

  app.delete<{ Params: { id: string } }>('/api/v1/auth/api-users/:id', sessionOnly, async (req) => {
    if (!(await ctx.apiUsers.remove(req.params.id))) throw new ApiError('not_found', 'no such API user');
    log.info({ id: req.params.id }, 'API user deleted');
    return ok({ deleted: req.params.id });
  });
}
