/**
 * /api/v1/monitor: the indoor monitor (identity.role = indoor-monitor; 503 in the door phone role):
 * its state (doors, calls with the door they are from, DND, unread messages), answer / decline /
 * hang up a call, open a relay of the door of an established call, call a door (look at the
 * entrance), DND, the inbox and its read marks. The resident's actions take the `door` scope.
 */
import * as z from '../../core/zod.ts';
import { principalName } from '../auth/index.ts';
import { ApiError, ok } from '../errors.ts';
import type { HttpApp } from '../http/index.ts';
import { need, parse, principalOf, type RouteContext } from './context.ts';

const dndBody = z.object({ on: z.boolean({ error: 'must be true or false' }) });

/** The monitor's errors carry a kind (not_found, conflict); anything else is the server's. */
function apiError(err: unknown): never {
  const kind = (err as { kind?: unknown }).kind;
  if (kind === 'not_found' || kind === 'conflict') throw new ApiError(kind, (err as Error).message);
  throw err;
}

async function run<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    apiError(err);
  }
}

const number = (id: string, what: string): number => {
  if (!/^\d{1,3}$/.test(id)) throw new ApiError('not_found', `no ${what} ${id}`);
  return Number(id);
};

export function monitorRoutes(app: HttpApp, ctx: RouteContext): void {
  const monitor = () => need(ctx, 'monitor', 'the indoor monitor (identity.role is not indoor-monitor)');
  const door = { config: { scope: 'door' as const } };

  app.get('/api/v1/monitor', async () => ok(monitor().state()));

  app.post<{ Params: { id: string } }>('/api/v1/monitor/calls/:id/answer', door, async (req) =>
    ok(await run(() => monitor().answer(req.params.id))),
  );
  app.post<{ Params: { id: string } }>('/api/v1/monitor/calls/:id/decline', door, async (req) => {
    await run(() => monitor().decline(req.params.id));
    return ok({ declined: req.params.id });
  });
  app.post<{ Params: { id: string } }>('/api/v1/monitor/calls/:id/hangup', door, async (req) => {
    await run(() => monitor().hangup(req.params.id));
    return ok({ hungUp: req.params.id });
  });
  app.post<{ Params: { id: string; relay: string } }>('/api/v1/monitor/calls/:id/open/:relay', door, async (req) => {
    const m = monitor();
    const relay = number(req.params.relay, 'relay');
    const actor = principalName(principalOf(req));
    return ok(await run(() => m.open(req.params.id, relay, actor)));
  });
  app.post<{ Params: { id: string } }>('/api/v1/monitor/doors/:id/call', door, async (req) => {
    const m = monitor();
    const index = number(req.params.id, 'door');
    return ok(await run(() => m.look(index)));
  });
  app.put('/api/v1/monitor/dnd', door, async (req) => {
    const m = monitor();
    const { on } = parse(dndBody, req.body);
    return ok({ dnd: await m.setDnd(on, `api:${principalName(principalOf(req))}`) });
  });

  app.get('/api/v1/monitor/messages', async () => {
    const messages = monitor().messages();
    return ok({ messages, unread: messages.filter((m) => !m.read).length });
  });
  app.post<{ Params: { id: string } }>('/api/v1/monitor/messages/:id/read', door, async (req) =>
    ok(await run(() => monitor().markRead(req.params.id))),
  );
}
