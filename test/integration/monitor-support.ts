/**
 * Helpers of the indoor monitor tests (not a test file itself): a door phone and an indoor monitor,
 * two real agents with real baresip engines on 127.0.0.1, the door's push button calling the monitor
 * by direct IP and the monitor knowing the door; API clients with `door`-scope tokens of each.
 */
import type { AgentEvents } from '../../agent/bus.ts';
import { startAgent, type TestAgent } from '../harness/agent.ts';
import { Client } from './web-support.ts';

export function record<E extends keyof AgentEvents>(a: TestAgent, event: E): AgentEvents[E][] {
  const got: AgentEvents[E][] = [];
  a.agent.ctx.bus.on(event, (e) => got.push(e));
  return got;
}

export const sipUri = (a: TestAgent) => `sip:portier@127.0.0.1:${a.agent.ctx.config.get().directIp.port}`;

/** Presses the simulated push button of an agent (held 100 ms: longer than the 50 ms debounce). */
export async function press(a: TestAgent, line = 'PUSH_BUTTON'): Promise<void> {
  const sim = a.agent.ctx.services.simGpio!;
  sim.press(line);
  await new Promise((r) => setTimeout(r, 100));
  sim.release(line);
}

/** A client holding an API token of `scope`, made by the admin's session (first-run setup, or the login on a data dir set up before). */
export async function tokenClient(a: TestAgent, name: string, scope: 'read' | 'door' | 'admin' = 'door') {
  const admin = new Client(a.base);
  // set up by an earlier run on the same data dir: no setup code then, the admin logs in
  const setUp = !a.logs.some((l) => typeof l.setupCode === 'string');
  const s = setUp ? await admin.login() : await admin.setup(a);
  if (s.status !== 200) throw new Error(`${setUp ? 'login' : 'setup'}: ${s.text}`);
  const r = await admin.post('/api/v1/auth/tokens', { name, scope });
  if (r.status !== 200) throw new Error(`token: ${r.text}`);
  const c = new Client(a.base);
  c.token = r.body.result.token;
  return { client: c, token: r.body.result.token as string, admin };
}

export type Pair = { door: TestAgent; monitor: TestAgent; stop(): Promise<void> };

/** A door phone whose push button calls the monitor, and a monitor with the door in its list. */
export async function startPair(
  opts: { door?: Record<string, unknown>; monitor?: Record<string, unknown> } = {},
): Promise<Pair> {
  const door = await startAgent({ config: { relays: { 0: { holdTime: 1 } }, ...opts.door } });
  let monitor: TestAgent | undefined;
  try {
    monitor = await startAgent({
      config: { identity: { role: 'indoor-monitor', name: 'Flat 12' }, ...opts.monitor },
    });
    await door.agent.ctx.config.apply({ intercom: { pushButton: { numbers: [sipUri(monitor)] } } }, 'test');
    await monitor.agent.ctx.config.apply(
      { monitor: { doors: { 0: { enabled: true, name: 'Front door', address: sipUri(door) } } } },
      'test',
    );
  } catch (err) {
    await monitor?.stop();
    await door.stop();
    throw err;
  }
  const m = monitor;
  return {
    door,
    monitor: m,
    async stop() {
      await m.stop().catch(() => {});
      await door.stop().catch(() => {});
    },
  };
}
