/**
 * /api/v1/config/autop: the config as an autop file (download), and an autop file applied
 * (upload: strict by default, `?lenient=1` applies the valid lines). Same codec as the CLI.
 */
import type { FastifyInstance } from 'fastify';
import { ConfigError, readAutop, writeAutop } from '../../agent/config/index.ts';
import { ApiError, ok } from '../errors.ts';
import { configInvalid } from './config.ts';
import { principalOf, type RouteContext } from './context.ts';

export const AUTOP_BODY_LIMIT = 1024 * 1024;

export function autopRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const store = ctx.deps.config;

  app.get('/api/v1/config/autop', async (_req, reply) => {
    const c = store.get();
    const file = `${c.identity.mac.replaceAll(':', '').toLowerCase() || 'portier'}.cfg`;
    reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file}"`)
      .send(writeAutop(c, { header: [`${c.identity.model} ${c.identity.mac}`] }));
  });

  app.post<{ Querystring: { lenient?: string } }>(
    '/api/v1/config/autop',
    { bodyLimit: AUTOP_BODY_LIMIT },
    async (req) => {
      const text =
        typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : undefined;
      if (text === undefined) throw new ApiError('unsupported_media_type', 'send the autop file as text/plain');
      const lenient = ['1', 'true', 'yes'].includes(String(req.query.lenient ?? '').toLowerCase());
      const r = readAutop(text, store.get(), { lenient });
      const problems = r.problems;
      if (!r.config)
        throw new ApiError(
          'autop_invalid',
          `${problems.length} problem(s) in the file, nothing changed${lenient ? '' : ' (strict import)'}`,
          { problems, applied: 0 },
        );
      try {
        const change = await store.replace(r.config, `autop:${principalOf(req).user}`);
        return ok({ applied: r.applied.length, skipped: r.skipped.length, problems, changed: change.keys });
      } catch (err) {
        if (err instanceof ConfigError) throw configInvalid(err.problems);
        throw err;
      }
    },
  );
}
