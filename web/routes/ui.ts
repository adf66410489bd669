/**
 * The web UI: static files built by `make ui` (web/build-ui.ts) into build/ui, served with their
 * precompressed .br/.gz copies. Hashed assets are cached for good, index.html never.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './context.ts';

export async function uiRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const dir = ctx.deps.uiDir;
  if (!existsSync(join(dir, 'index.html'))) {
    ctx.deps.log.warn({ dir }, 'the web UI is not built (run `make ui`); only the API is served');
    app.get('/', { config: { public: true } }, async (_req, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('Portier: the web UI is not built. Run `make ui`; the API is at /api/v1.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: ['index.html'],
    preCompressed: true,
    wildcard: true,
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
