/**
 * `remote-web` jobs: the installer reaches the device's web UI from the cloud with no inbound port
 * on the device. The job opens a session for its TTL (IN_PROGRESS, step `open`, with the session id
 * and end time); the operator's tool sends each HTTP request of the browser over MQTT
 * (`web/<session>/req/<n>`), this module performs it against the device's own web server on
 * 127.0.0.1 and answers on `web/<session>/res/<n>`. At the TTL the session ends (SUCCEEDED); a cancel
 * ends it at once (CANCELED). The web UI still asks for its login; every session and request is
 * logged on the device.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Clock, Logger, TimerHandle } from '../../core/index.ts';
import type { JobHandler, JobOutcome } from './jobs/handler.ts';
import {
  MAX_TUNNEL_BODY,
  REMOTE_WEB_TTL_DEFAULT,
  type RemoteWebJob,
  type TunnelResponse,
  topics,
  tunnelRequest,
} from './protocol/index.ts';

/** Headers that belong to one hop (the browser's connection to the tool), never forwarded. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
  'content-length',
]);
const REQUEST_TIMEOUT_MS = 30_000;

export type WebTarget = { port: number; https: boolean; httpsPort: number };

export type RemoteWebDeps = {
  clock: Clock;
  log: Logger;
  deviceId: () => string | undefined;
  publish: (topic: string, payload: string) => void;
  target: () => WebTarget;
  settle: (id: string, outcome: JobOutcome) => Promise<void>;
};

type Session = { id: string; expiresAt: number; timer: TimerHandle };

export class RemoteWeb {
  #deps: RemoteWebDeps;
  #sessions = new Map<string, Session>();

  constructor(deps: RemoteWebDeps) {
    this.#deps = deps;
  }

  handler(): JobHandler<RemoteWebJob> {
    return {
      run: async (ctx) => {
        const ttlMs = (ctx.doc.ttl ?? REMOTE_WEB_TTL_DEFAULT) * 1000;
        const expiresAt = this.#deps.clock.now() + ttlMs;
        const timer = this.#deps.clock.setTimeout(() => {
          this.#close(ctx.id, 'ended at its TTL');
          this.#deps
            .settle(ctx.id, { status: 'SUCCEEDED', details: 'the remote web session ended at its TTL' })
            .catch(() => {});
        }, ttlMs);
        this.#sessions.set(ctx.id, { id: ctx.id, expiresAt, timer });
        await ctx.progress('open', undefined, { session: ctx.id, expiresAt: new Date(expiresAt).toISOString() });
        this.#deps.log.warn(
          { session: ctx.id, until: new Date(expiresAt).toISOString() },
          'remote web session opened by the cloud',
        );
        return 'pending';
      },
      cancel: (id) =>
        this.#close(id, 'closed by the cloud') ? 'the remote web session was closed by the cloud' : undefined,
      resume: () => ({ status: 'FAILED', details: 'the remote web session ended when the agent restarted' }),
    };
  }

  /** Ends every session (the agent stops). */
  stop(): void {
    for (const id of [...this.#sessions.keys()]) this.#close(id, 'the agent stopped');
  }

  /** A message on `web/<session>/req/<n>`. */
  async request(session: string, n: string, payload: Buffer, retained: boolean): Promise<void> {
    const { log, clock } = this.#deps;
    if (retained) {
      log.warn({ session }, 'remote web: a retained request is ignored');
      return;
    }
    const s = this.#sessions.get(session);
    if (!s || clock.now() >= s.expiresAt)
      return this.#answer(session, n, error(410, 'no remote web session open with this id'));
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString());
    } catch {
      return this.#answer(session, n, error(400, 'request: not JSON'));
    }
    const r = tunnelRequest.safeParse(parsed);
    if (!r.success) return this.#answer(session, n, error(400, `request: ${r.error.issues[0]?.message}`));
    const res = await this.#forward(r.data.method, r.data.path, r.data.headers, r.data.body);
    log.info(
      { session, method: r.data.method, path: r.data.path.split('?')[0], status: res.status },
      'remote web request',
    );
    this.#answer(session, n, res);
  }

  #forward(
    method: string,
    path: string,
    headers: Record<string, string>,
    body64: string | undefined,
  ): Promise<TunnelResponse> {
    const t = this.#deps.target();
    const body = body64 ? Buffer.from(body64, 'base64') : undefined;
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (!HOP.has(k.toLowerCase())) clean[k.toLowerCase()] = v;
    if (t.https && clean.origin) clean.origin = `https://${clean.host ?? '127.0.0.1'}`;
    if (body) clean['content-length'] = String(body.length);
    const request = t.https ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: t.https ? t.httpsPort : t.port,
          method,
          path,
          headers: clean,
          rejectUnauthorized: false, // the device's own self-signed certificate, on loopback
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          if (String(res.headers['content-type']).startsWith('text/event-stream')) {
            res.destroy();
            resolve(error(501, 'live event streams are not carried by the remote web tunnel'));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_TUNNEL_BODY) res.destroy(new Error(`response larger than ${MAX_TUNNEL_BODY} bytes`));
            else chunks.push(c);
          });
          res.on('error', (err) => resolve(error(502, err.message)));
          res.on('end', () => {
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined && !HOP.has(k)) out[k] = Array.isArray(v) ? v.join(', ') : v;
            const b = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 502,
              headers: out,
              ...(b.length ? { body: b.toString('base64') } : {}),
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('the web server did not answer in time')));
      req.on('error', (err) => resolve(error(502, `the device's web server: ${err.message}`)));
      req.end(body);
    });
  }

  #answer(session: string, n: string, res: TunnelResponse): void {
    const id = this.#deps.deviceId();
    if (id) this.#deps.publish(topics.webResponse(id, session, n), JSON.stringify(res));
  }

  #close(id: string, why: string): boolean {
    const s = this.#sessions.get(id);
    if (!s) return false;
    this.#deps.clock.clearTimeout(s.timer);
    this.#sessions.delete(id);
    this.#deps.log.warn({ session: id, why }, 'remote web session closed');
    return true;
  }
}

function error(status: number, message: string): TunnelResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: Buffer.from(`${message}\n`).toString('base64'),
  };
}
