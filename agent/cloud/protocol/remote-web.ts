/**
 * Remote web access through the MQTT link itself: the operator's tool turns each HTTP request of
 * the installer's browser into a message on `web/<session>/req/<n>`; the device performs it against
 * its own web server on 127.0.0.1 and answers on `web/<session>/res/<n>`. The session is opened by a
 * `remote-web` job and lasts its TTL; the device's web UI still asks for its login.
 */
import * as z from './zod.ts';

/** Largest body carried either way (bytes, before base64). */
export const MAX_TUNNEL_BODY = 4 * 1024 * 1024;
export const REMOTE_WEB_TTL_DEFAULT = 900;

export const tunnelRequest = z.strictObject({
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']),
  /** Path and query, starting with `/`. */
  path: z.string().check(z.regex(/^\/[^\s]*$/, { error: 'must be a path starting with /' }), z.maxLength(4096)),
  headers: z.record(z.string(), z.string()),
  /** Base64. */
  body: z.optional(z.string()),
});

export const tunnelResponse = z.object({
  status: z.number().check(z.int()),
  headers: z.record(z.string(), z.string()),
  body: z.optional(z.string()),
});

export type TunnelRequest = z.infer<typeof tunnelRequest>;
export type TunnelResponse = z.infer<typeof tunnelResponse>;

/** Details of the job status while the session is open. */
export type RemoteWebOpen = { session: string; expiresAt: string };
