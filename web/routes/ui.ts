/**
 * The web UI: static files built by `make ui` (web/build-ui.ts) into build/ui, served with their
 * precompressed .br/.gz copies. Hashed assets are cached for good, index.html never.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { noRoute } from '../errors.ts';
import { type HttpApp, serveFile } from '../http/index.ts';
import type { RouteContext } from './context.ts';

export async function uiRoutes(app: HttpApp, ctx: RouteContext): Promise<void> {
  const dir = resolve(ctx.deps.uiDir);
  if (!existsSync(join(dir, 'index.html'))) {
    ctx.deps.log.warn({ dir }, 'the web UI is not built (run `make ui`); only the API is served');
    app.get('/', { config: { public: true } }, async (_req, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('Portier: the web UI is not built. Run `make ui`; the API is at /api/v1.\n'),
    );
    return;
  }
  const files = {
    root: dir,
    cacheControl: (path: string) => (path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
  };
  app.get<{ Params: { '*': string } }>('/*', { config: { public: true } }, async (req, reply) => {
    if (!(await serveFile(files, req.params['*'] ?? '', req, reply))) throw noRoute(req);
    return reply;
  });
}
