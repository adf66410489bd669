/** /api/v1/logs/calls and /api/v1/logs/door: newest first, paged with offset and limit. */
import * as z from '../../core/zod.ts';
import { ok } from '../errors.ts';
import type { HttpApp } from '../http/index.ts';
import { need, parse, type RouteContext } from './context.ts';

const pageQuery = z.object({
  offset: z._default(
    z.coerce
      .number({ error: 'must be a number' })
      .check(z.int({ error: 'must be a whole number' }), z.gte(0, { error: 'must be at least 0' })),
    0,
  ),
  limit: z._default(
    z.coerce
      .number({ error: 'must be a number' })
      .check(
        z.int({ error: 'must be a whole number' }),
        z.gte(1, { error: 'must be at least 1' }),
        z.lte(200, { error: 'must be at most 200' }),
      ),
    50,
  ),
});

export function logRoutes(app: HttpApp, ctx: RouteContext): void {
  app.get('/api/v1/logs/calls', async (req) => {
    const q = parse(pageQuery, req.query, 'query');
    return ok({ ...q, ...need(ctx, 'callLog', 'the call log').page(q) });
  });

  app.get('/api/v1/logs/door', async (req) => {
    const q = parse(pageQuery, req.query, 'query');
    return ok({ ...q, ...need(ctx, 'doorLog', 'the door log').page(q) });
  });
}
