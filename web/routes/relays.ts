/**
 * /api/v1/relays (status, trigger / on / off: through the door owner, so that an opening by the API
 * is one `door.opened` and a switch off none), /api/v1/inputs (status), and in the dev run
 * /api/v1/sim/lines (press and release the simulated inputs).
 */
import { principalName } from '../auth/index.ts';
import { ApiError, ok } from '../errors.ts';
import type { HttpApp } from '../http/index.ts';
import { need, principalOf, type RouteContext } from './context.ts';
import { inputView, relayView } from './views.ts';

const RELAY_ACTIONS = new Set(['trigger', 'on', 'off']);

export function relayRoutes(app: HttpApp, ctx: RouteContext): void {
  const { deps } = ctx;

  const relayIndex = (id: string, count: number): number => {
    const n = /^\d{1,3}$/.test(id) ? Number(id) : Number.NaN;
    if (!(n >= 1 && n <= count)) throw new ApiError('not_found', `no relay ${id} (relays are numbered 1 to ${count})`);
    return n - 1;
  };

  app.get('/api/v1/relays', async () =>
    ok({ relays: need(ctx, 'relays', 'the relay service').states().map(relayView) }),
  );

  app.get<{ Params: { id: string } }>('/api/v1/relays/:id', async (req) => {
    const states = need(ctx, 'relays', 'the relay service').states();
    return ok(relayView(states[relayIndex(req.params.id, states.length)]!));
  });

  const door = { config: { scope: 'door' as const } }; // API tokens of the door scope may switch relays
  app.post<{ Params: { id: string; action: string } }>('/api/v1/relays/:id/:action', door, async (req) => {
    const relays = need(ctx, 'relays', 'the relay service');
    const owner = need(ctx, 'door', 'the door');
    const { action } = req.params;
    if (!RELAY_ACTIONS.has(action)) throw new ApiError('not_found', `no action ${action}: use trigger, on or off`);
    const states = relays.states();
    const index = relayIndex(req.params.id, states.length);
    const state = states[index]!;
    if (!state.enabled) throw new ApiError('conflict', `relay ${index + 1} (${state.name}) is disabled`);
    if (state.error) throw new ApiError('conflict', `relay ${index + 1} (${state.name}): ${state.error}`);
    // Openings go through the door owner (door log, hang up after opening, action URLs); off is a closing.
    const actor = principalName(principalOf(req));
    try {
      if (action === 'trigger') owner.trigger({ relay: index, method: 'api', actor });
      else if (action === 'on') owner.open({ relay: index, method: 'api', actor });
      else owner.close({ relay: index, actor });
    } catch (err) {
      throw new ApiError('conflict', `relay ${index + 1}: ${(err as Error).message}`);
    }
    return ok(relayView(relays.states()[index]!));
  });

  app.get('/api/v1/inputs', async () => {
    const c = deps.config.get();
    return ok({
      inputs: need(ctx, 'inputs', 'the input service')
        .states()
        .map((i) => inputView(i, c)),
    });
  });

  const sim = () => {
    if (!deps.dev) throw new ApiError('not_dev', 'simulated inputs exist only in the dev run');
    return need(ctx, 'simGpio', 'the simulated GPIO');
  };

  app.get('/api/v1/sim/lines', async () => ok({ lines: sim().lines() }));

  app.post<{ Params: { line: string; action: string } }>('/api/v1/sim/lines/:line/:action', async (req) => {
    const gpio = sim();
    const { line, action } = req.params;
    const known = gpio.lines().find((l) => l.line === line);
    if (known?.direction !== 'input') throw new ApiError('not_found', `no simulated input line ${line}`);
    if (action === 'press') gpio.press(line);
    else if (action === 'release') gpio.release(line);
    else throw new ApiError('not_found', `no action ${action}: use press or release`);
    return ok({ line, active: gpio.lines().find((l) => l.line === line)?.active ?? false });
  });
}
