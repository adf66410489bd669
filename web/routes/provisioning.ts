/**
 * /api/v1/provisioning: auto-provisioning from a server. GET: the server URL in use and where it
 * comes from, the mode, the next scheduled run, and the records of the last runs (read scope).
 * POST /run: a run now (admin scope); it answers with the run's record, or 202 when the run waits
 * for the call in progress to end (its record then appears in GET).
 */
import { ok } from '../errors.ts';
import type { HttpApp } from '../http/index.ts';
import { need, type RouteContext } from './context.ts';

export function provisioningRoutes(app: HttpApp, ctx: RouteContext): void {
  app.get('/api/v1/provisioning', { config: { scope: 'read' } }, async () =>
    ok(await need(ctx, 'provisioning', 'auto-provisioning').status()),
  );

  app.post('/api/v1/provisioning/run', { config: { scope: 'admin' } }, async (_req, reply) => {
    const started = need(ctx, 'provisioning', 'auto-provisioning').trigger('api');
    if (started.waitingForCall) {
      started.record.catch((err) => ctx.deps.log.error({ err }, 'provisioning run failed'));
      return reply.code(202).send(ok({ waitingForCall: true }));
    }
    return ok({ waitingForCall: false, run: await started.record });
  });
}
