/** /api/v1/system: info (model, MAC, versions, uptime), status (registrations, calls, relays, inputs), reboot. */
import { uptime as systemUptime } from 'node:os';
import { ok } from '../errors.ts';
import type { HttpApp } from '../http/index.ts';
import { principalOf, type RouteContext } from './context.ts';
import { inputView, relayView } from './views.ts';

export function systemRoutes(app: HttpApp, ctx: RouteContext): void {
  const { deps } = ctx;

  app.get('/api/v1/system/info', async () => {
    const certificate = await ctx.certificate();
    const c = deps.config.get();
    return ok({
      model: c.identity.model,
      name: c.identity.name,
      location: c.identity.location,
      role: c.identity.role,
      mac: c.identity.mac,
      version: deps.version,
      versions: { portier: deps.version, node: process.versions.node },
      hal: deps.hal,
      dev: deps.dev,
      time: deps.clock.now(),
      timeZone: c.identity.timeZone,
      startedAt: ctx.startedAt,
      uptime: Math.round((deps.clock.now() - ctx.startedAt) / 1000),
      systemUptime: Math.round(systemUptime()),
      web: {
        port: c.web.port,
        https: c.web.https,
        httpsPort: c.web.httpsPort,
        certificateFingerprint: certificate?.fingerprint256 ?? null,
      },
    });
  });

  app.get('/api/v1/system/status', async () => {
    const s = deps.services;
    const c = deps.config.get();
    return ok({
      time: deps.clock.now(),
      uptime: Math.round((deps.clock.now() - ctx.startedAt) / 1000),
      services: {
        sip: !!s.sip,
        relays: !!s.relays,
        inputs: !!s.inputs,
        simGpio: !!s.simGpio && deps.dev,
        callLog: !!s.callLog,
        doorLog: !!s.doorLog,
      },
      registrations:
        s.sip?.registrations().map((r) => ({ ...r, label: c.accounts[Number(r.account) - 1]?.label ?? '' })) ?? [],
      calls: s.sip?.calls() ?? [],
      relays: s.relays?.states().map((r) => relayView(r)) ?? [],
      inputs: s.inputs?.states().map((i) => inputView(i, c)) ?? [],
      sim: deps.dev && s.simGpio ? s.simGpio.lines() : null,
      dnd: c.accounts.map((a, i) => ({ account: String(i + 1), enabled: a.dnd.enabled, when: a.dnd.when })),
      modules: s.modules?.() ?? {},
    });
  });

  app.post('/api/v1/system/reboot', async (req, reply) => {
    // Only this handler restarts, so only a request that passed the guard can (a hook would run
    // for the guard's 401 too). The restart waits for the answer to be on its way.
    deps.log.warn({ by: principalOf(req).user }, 'reboot requested over the API: restarting the agent');
    reply.raw.once('close', () => setImmediate(deps.restart));
    return ok({ restarting: true });
  });
}
