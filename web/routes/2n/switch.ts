/**
 * 2N Switch API: /api/switch/caps, /api/switch/status, /api/switch/ctrl?switch=N&action=on|off|trigger.
 * Switches are the relays (1-based); ctrl goes through the door owner: `trigger` opens as the relay's
 * mode means it (a pulse, or a toggle of a bistable relay), `on` opens, `off` closes.
 */
import { need, type RouteContext } from '../context.ts';
import { paramsOf, required, TwoNFailure, uint } from './envelope.ts';
import { actorOf, changeAllowed, type Define } from './index.ts';

const ACTIONS = new Set(['on', 'off', 'trigger']);

export function switchRoutes2n(define: Define, ctx: RouteContext): void {
  const { deps } = ctx;
  define('switch/caps', 'read', () => ({
    switches: deps.config.get().relays.map((r, i) => ({
      switch: i + 1,
      enabled: r.enabled,
      mode: r.mode,
      switchOnDuration: r.holdTime,
      type: r.type,
    })),
  }));
  define('switch/status', 'read', () => ({
    switches: need(ctx, 'relays', 'the relay service')
      .states()
      .map((r) => ({ switch: r.index + 1, active: r.on, locked: false, held: false })),
  }));
  define('switch/ctrl', 'door', (req) => {
    const p = paramsOf(req);
    const relays = need(ctx, 'relays', 'the relay service').states();
    const n = uint(p, 'switch', 1, relays.length);
    const action = required(p, 'action');
    if (!ACTIONS.has(action)) throw new TwoNFailure(12, 'action', 'must be on, off or trigger');
    changeAllowed(req);
    const state = relays[n - 1]!;
    if (!state.enabled) throw new TwoNFailure(12, 'switch', `switch ${n} (${state.name}) is disabled`);
    const door = need(ctx, 'door', 'the door');
    const actor = actorOf(req);
    try {
      if (action === 'trigger') door.trigger({ relay: n - 1, method: 'api', actor });
      else if (action === 'on') door.open({ relay: n - 1, method: 'api', actor });
      else door.close({ relay: n - 1, actor });
    } catch (err) {
      throw new TwoNFailure(14, 'switch', (err as Error).message);
    }
    return undefined;
  });
}
