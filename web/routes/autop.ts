/**
 * /api/v1/config/autop: the config as an autop file (download), and an autop file applied
 * (upload: strict by default, `?lenient=1` applies the valid lines). Same codec as the CLI.
 *
 * The export leaves the secrets out (SIP, cloud, SMTP, FTP passwords): their lines are not in the
 * file at all, so that importing the export back keeps the passwords in force (a line with an
 * empty value would wipe them). A file with the secrets is given only to the admin's logged-in
 * session that enters the admin password again (`POST /api/v1/config/autop/export`), never to
 * an API token; a wrong password counts toward the login lockout.
 */
import { type Config, ConfigError, leaves, readAutop, writeAutop } from '../../agent/config/index.ts';
import * as z from '../../core/zod.ts';
import { checkPassword } from '../auth/index.ts';
import { ApiError, ok } from '../errors.ts';
import type { HttpApp, Reply } from '../http/index.ts';
import { configInvalid } from './config.ts';
import { parse, principalOf, type RouteContext } from './context.ts';

export const AUTOP_BODY_LIMIT = 1024 * 1024;

const exportBody = z.object({
  password: z.string({ error: 'must be text' }).check(z.maxLength(1024)),
  secrets: z.literal(true, { error: 'must be true (without secrets, use GET /api/v1/config/autop)' }),
});

/** The header of an export: what it is, and which lines were left out. */
function header(c: Config, secrets: boolean): string[] {
  const lines = [`${c.identity.model} ${c.identity.mac}`];
  if (secrets) return [...lines, 'WITH SECRETS: this file holds the device passwords; keep it safe'];
  const left = leaves()
    .filter((l) => l.meta.secret)
    .map((l) => l.autop);
  return [
    ...lines,
    'Passwords are left out (importing this file keeps the passwords in force):',
    ...left.map((k) => `  ${k}`),
  ];
}

function sendAutop(reply: Reply, c: Config, secrets: boolean) {
  const base = c.identity.mac.replaceAll(':', '').toLowerCase() || 'portier';
  const file = `${base}${secrets ? '-with-secrets' : ''}.cfg`;
  return reply
    .type('text/plain; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file}"`)
    .send(writeAutop(c, { secrets, header: header(c, secrets) }));
}

export function autopRoutes(app: HttpApp, ctx: RouteContext): void {
  const store = ctx.deps.config;
  const log = ctx.deps.log;

  app.get('/api/v1/config/autop', async (_req, reply) => sendAutop(reply, store.get(), false));

  app.post('/api/v1/config/autop/export', { config: { scope: 'session' } }, async (req, reply) => {
    const p = principalOf(req);
    if (p.kind !== 'session') throw new ApiError('session_required', 'export the secrets from a logged-in session');
    const body = parse(exportBody, req.body);
    const left = await checkPassword(
      { credentials: ctx.credentials, limiter: ctx.limiter, log },
      req.ip,
      p.user,
      body.password,
    );
    if (left !== undefined)
      throw new ApiError('wrong_password', 'the admin password is wrong', {
        attemptsLeft: left,
        problems: [{ key: 'password', message: 'is wrong' }],
      });
    log.warn({ by: p.user, ip: req.ip }, 'autop export with the secrets');
    return sendAutop(reply, store.get(), true);
  });

  app.post<{ Querystring: { lenient?: string } }>(
    '/api/v1/config/autop',
    { bodyLimit: AUTOP_BODY_LIMIT },
    async (req) => {
      const text =
        typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : undefined;
      if (text === undefined) throw new ApiError('unsupported_media_type', 'send the autop file as text/plain');
      const lenient = ['1', 'true', 'yes'].includes(String(req.query.lenient ?? '').toLowerCase());
      const r = readAutop(text, store.get(), { lenient });
      const problems = r.problems;
      if (!r.config)
        throw new ApiError(
          'autop_invalid',
          `${problems.length} problem(s) in the file, nothing changed${lenient ? '' : ' (strict import)'}`,
          { problems, applied: 0 },
        );
      try {
        const change = await store.replace(r.config, `autop:${principalOf(req).user}`);
        return ok({ applied: r.applied.length, skipped: r.skipped.length, problems, changed: change.keys });
      } catch (err) {
        if (err instanceof ConfigError) throw configInvalid(err.problems);
        throw err;
      }
    },
  );
}
