/**
 * Opening a door's relay by its HTTP API (docs/monitor.md): `POST <apiUrl>/api/v1/relays/<n>/trigger`
 * with `Authorization: Bearer <token>` (a `door`-scope API token of the door phone). The door logs the
 * opening with the token's name as the actor.
 */
import { httpRequest } from '../../core/index.ts';

export type HttpUnlock = (req: { apiUrl: string; token: string; relay: number }) => Promise<void>;

const TIMEOUT_MS = 5000;
/** The door's answer is a small JSON envelope. */
const MAX_ANSWER_BYTES = 64 * 1024;

export const httpUnlock: HttpUnlock = async ({ apiUrl, token, relay }) => {
  const url = `${apiUrl.replace(/\/+$/, '')}/api/v1/relays/${relay}/trigger`;
  const r = await httpRequest(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
    redirect: 'error',
    timeoutMs: TIMEOUT_MS,
    maxBytes: MAX_ANSWER_BYTES,
  }).catch((err: Error) => {
    throw new Error(`the door's API at ${apiUrl} does not answer: ${err.message}`);
  });
  if (r.ok) return;
  let message = `${r.status}`;
  try {
    const body = JSON.parse(r.body.toString('utf8')) as { error?: { message?: string } };
    if (body.error?.message) message = `${r.status} ${body.error.message}`;
  } catch {
    // not the door's JSON envelope
  }
  throw new Error(`the door refused to open relay ${relay}: ${message}`);
};
