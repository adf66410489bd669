/** /api/v1/calls: the calls in progress, web call (dial with a chosen account), answer, hang up, DTMF. */
import * as z from '../../core/zod.ts';
import { ApiError, ok } from '../errors.ts';
import type { HttpApp } from '../http/index.ts';
import { need, parse, type RouteContext } from './context.ts';

const dialBody = z.object({
  target: z
    .string({ error: 'must be text' })
    .check(
      z.trim(),
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(128, { error: 'must be at most 128 characters' }),
      z.regex(/^[A-Za-z0-9_.+*#@:;=[\]-]+$/, { error: 'must be a number, SIP URI or IP address without spaces' }),
    ),
  /** Account id ('1', '2' ...); null or absent = direct IP call. */
  account: z.optional(z.nullable(z.string().check(z.regex(/^\d{1,2}$/, { error: 'must be an account number' })))),
  video: z.optional(z.boolean()),
});
const dtmfBody = z.object({
  digits: z
    .string({ error: 'must be text' })
    .check(z.regex(/^[0-9*#A-Da-d]{1,32}$/, { error: 'must be 1 to 32 characters from 0-9 * # A-D' })),
});

export function callRoutes(app: HttpApp, ctx: RouteContext): void {
  const sipOf = () => need(ctx, 'sip', 'the SIP engine');

  const callOf = (id: string) => {
    const sip = sipOf();
    const call = sip.calls().find((c) => c.id === id);
    if (!call) throw new ApiError('not_found', `no call ${id} in progress`);
    return { sip, call };
  };

  const engine = async (what: string, p: Promise<void>) => {
    try {
      await p;
    } catch (err) {
      throw new ApiError('conflict', `${what}: ${(err as Error).message}`);
    }
  };

  app.get('/api/v1/calls', async () => ok({ calls: sipOf().calls() }));

  const door = { config: { scope: 'door' as const } };

  app.post('/api/v1/calls', door, async (req) => {
    const sip = sipOf();
    const body = parse(dialBody, req.body);
    const c = ctx.deps.config.get();
    const account = body.account ?? undefined;
    if (account !== undefined) {
      const a = c.accounts[Number(account) - 1];
      if (!a)
        throw new ApiError('invalid_body', `account: no account ${account}`, {
          problems: [{ key: 'account', message: 'does not exist' }],
        });
      if (!a.enabled)
        throw new ApiError('invalid_body', `account: account ${account} is disabled`, {
          problems: [{ key: 'account', message: 'is disabled' }],
        });
    } else if (!c.directIp.enabled) {
      throw new ApiError('invalid_body', 'account: direct IP calls are disabled: choose an account', {
        problems: [{ key: 'account', message: 'direct IP calls are disabled' }],
      });
    }
    const call = sip.dial(body.target, {
      ...(account !== undefined ? { account } : {}),
      timeoutMs: c.intercom.dialOutTime * 1000,
      ...(body.video ? { video: true } : {}),
    });
    ctx.deps.log.info({ call: call.id, target: body.target, account: account ?? 'ip' }, 'web call');
    return ok(call);
  });

  app.post<{ Params: { id: string } }>('/api/v1/calls/:id/answer', door, async (req) => {
    const { sip, call } = callOf(req.params.id);
    await engine('answer', sip.answer(call.id));
    return ok({ id: call.id });
  });

  app.post<{ Params: { id: string } }>('/api/v1/calls/:id/hangup', door, async (req) => {
    const { sip, call } = callOf(req.params.id);
    await engine('hang up', sip.hangup(call.id));
    return ok({ id: call.id });
  });

  app.post<{ Params: { id: string } }>('/api/v1/calls/:id/dtmf', door, async (req) => {
    const { digits } = parse(dtmfBody, req.body);
    const { sip, call } = callOf(req.params.id);
    if (call.state !== 'established')
      throw new ApiError('conflict', `call ${call.id} is ${call.state}, not established`);
    await engine('DTMF', sip.sendDtmf(call.id, digits.toUpperCase()));
    return ok({ id: call.id, digits: digits.toUpperCase() });
  });
}
