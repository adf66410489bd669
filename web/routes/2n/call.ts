/**
 * 2N Phone/Call API: /api/call/status, /api/call/dial?number=, /api/call/answer?session=,
 * /api/call/hangup?session=. 2N numbers call sessions; so does this view, over the SIP engine's calls.
 */
import type { AgentServices } from '../../deps.ts';
import { need, type RouteContext } from '../context.ts';
import { paramsOf, required, TwoNFailure, uint } from './envelope.ts';
import { changeAllowed, type Define } from './index.ts';

/** A call of the SIP engine, as the agent's services give it. */
type CallInfo = ReturnType<AgentServices['sip']['calls']>[number];

/** Call id ↔ 2N session number (one numbering per web server). */
export class CallSessions {
  #next = 1;
  #byCall = new Map<string, number>();

  of(callId: string): number {
    let n = this.#byCall.get(callId);
    if (n === undefined) {
      n = this.#next++;
      this.#byCall.set(callId, n);
      if (this.#byCall.size > 256) this.#byCall.delete(this.#byCall.keys().next().value!);
    }
    return n;
  }

  call(session: number, calls: CallInfo[]): CallInfo | undefined {
    return calls.find((c) => c.state !== 'closed' && this.#byCall.get(c.id) === session);
  }
}

const SESSIONS = new WeakMap<RouteContext, CallSessions>();
export function callSessions(ctx: RouteContext): CallSessions {
  let s = SESSIONS.get(ctx);
  if (!s) SESSIONS.set(ctx, (s = new CallSessions()));
  return s;
}

const STATE: Record<string, string> = {
  dialing: 'connecting',
  ringing: 'ringing',
  incoming: 'ringing',
  established: 'connected',
};

/** A number, SIP URI or IP address without spaces (as the web call takes them). */
const TARGET = /^[A-Za-z0-9_.+*#@:;=[\]-]{1,128}$/;

export function callRoutes2n(define: Define, ctx: RouteContext): void {
  const sessions = callSessions(ctx);
  const sip = () => need(ctx, 'sip', 'the SIP engine');

  define('call/status', 'read', () => ({
    sessions: sip()
      .calls()
      .filter((c) => c.state !== 'closed')
      .map((c) => ({
        session: sessions.of(c.id),
        direction: c.direction,
        state: STATE[c.state] ?? c.state,
        calls: [{ id: 1, state: STATE[c.state] ?? c.state, peer: c.peer }],
      })),
  }));

  define('call/dial', 'door', (req) => {
    const p = paramsOf(req);
    const number = required(p, 'number').trim();
    if (!TARGET.test(number)) throw new TwoNFailure(12, 'number', 'a number, SIP URI or IP address without spaces');
    changeAllowed(req);
    const c = ctx.deps.config.get();
    // a SIP URI or an address is called directly; a number through the first enabled account
    const direct = number.includes('@') || /^sip:/i.test(number) || /^[\d.]+(:\d+)?$|^\[/.test(number);
    const index = c.accounts.findIndex((a) => a.enabled);
    if (!direct && index < 0) throw new TwoNFailure(12, 'number', 'no SIP account is enabled to call a number');
    if (direct && !c.directIp.enabled) throw new TwoNFailure(4, 'number', 'direct IP calls are disabled');
    const call = sip().dial(number, {
      ...(direct ? {} : { account: String(index + 1) }),
      timeoutMs: c.intercom.dialOutTime * 1000,
    });
    ctx.deps.log.info({ call: call.id, target: number }, '2N API: dial');
    return { session: sessions.of(call.id) };
  });

  const withSession = async (req: Parameters<Parameters<Define>[2]>[0], what: 'answer' | 'hangup') => {
    const p = paramsOf(req);
    const n = uint(p, 'session', 1, 2 ** 31);
    changeAllowed(req);
    const engine = sip();
    const call = sessions.call(n, engine.calls());
    if (!call) throw new TwoNFailure(12, 'session', `no call session ${n} in progress`);
    try {
      if (what === 'answer') {
        if (call.state !== 'incoming') throw new Error(`the call is ${call.state}, not ringing here`);
        await engine.answer(call.id);
      } else await engine.hangup(call.id);
    } catch (err) {
      throw new TwoNFailure(14, 'session', (err as Error).message);
    }
    return undefined;
  };
  define('call/answer', 'door', (req) => withSession(req, 'answer'));
  define('call/hangup', 'door', (req) => withSession(req, 'hangup'));
}
