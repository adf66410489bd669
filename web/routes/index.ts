/** Every route group of the web server. */
import type { HttpApp } from '../http/index.ts';
import { twoNRoutes } from './2n/index.ts';
import { authRoutes } from './auth.ts';
import { autopRoutes } from './autop.ts';
import { callRoutes } from './calls.ts';
import { configRoutes } from './config.ts';
import type { RouteContext } from './context.ts';
import { eventRoutes } from './events.ts';
import { firmwareRoutes } from './firmware.ts';
import { integrationRoutes } from './integrations.ts';
import { logRoutes } from './logs.ts';
import { monitorRoutes } from './monitor.ts';
import { provisioningRoutes } from './provisioning.ts';
import { relayRoutes } from './relays.ts';
import { systemRoutes } from './system.ts';
import { uiRoutes } from './ui.ts';

export { AUTOP_BODY_LIMIT } from './autop.ts';
export type { RouteContext, Stream } from './context.ts';

export async function registerRoutes(app: HttpApp, ctx: RouteContext, secure: boolean): Promise<void> {
  authRoutes(app, ctx);
  systemRoutes(app, ctx);
  configRoutes(app, ctx);
  autopRoutes(app, ctx);
  relayRoutes(app, ctx);
  callRoutes(app, ctx);
  logRoutes(app, ctx);
  provisioningRoutes(app, ctx);
  firmwareRoutes(app, ctx);
  monitorRoutes(app, ctx);
  integrationRoutes(app, ctx);
  eventRoutes(app, ctx, secure);
  twoNRoutes(app, ctx);
  await uiRoutes(app, ctx);
}
