/** 2N System API: /api/system/info, /api/system/status, /api/system/restart. */
import type { RouteContext } from '../context.ts';
import type { Define } from './index.ts';

export function systemRoutes2n(define: Define, ctx: RouteContext): void {
  const { deps } = ctx;
  define('system/info', 'read', () => {
    const c = deps.config.get();
    const mac = c.identity.mac;
    return {
      variant: c.identity.model,
      serialNumber: mac.replace(/:/g, '').toLowerCase(),
      hwVersion: deps.hal,
      swVersion: deps.version,
      buildType: 'release',
      deviceName: c.identity.name,
      macAddr: mac,
    };
  });
  define('system/status', 'read', () => ({
    systemTime: Math.floor(deps.clock.now() / 1000),
    upTime: Math.round((deps.clock.now() - ctx.startedAt) / 1000),
  }));
  // POST only: a restart by GET would be one link away (and the sweep's reads must change nothing)
  define(
    'system/restart',
    'admin',
    (req) => {
      deps.log.warn({ by: req.principal?.user }, 'restart requested through the 2N API');
      setImmediate(() => deps.restart());
      return undefined;
    },
    ['POST'],
  );
}
