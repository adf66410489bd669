/** /api/v1/integrations: `GET integrations/home-assistant`: the state of the Home Assistant connection (no secret in it). */
import { ok } from '../errors.ts';
import type { HttpApp } from '../http/index.ts';
import { need, type RouteContext } from './context.ts';

export function integrationRoutes(app: HttpApp, ctx: RouteContext): void {
  app.get('/api/v1/integrations/home-assistant', async () =>
    ok(need(ctx, 'homeAssistant', 'the Home Assistant integration').status()),
  );
}
