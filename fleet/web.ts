/**
 * `portier fleet web ID`: opens a remote web session on the device (a `remote-web` job) and serves
 * its web UI on a local port: every request of the browser goes to the device over MQTT and back.
 * It ends at the session's TTL, or with Ctrl-C (the job is then cancelled).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MqttClient } from 'mqtt';
import {
  isTerminal,
  type JobStatus,
  jobStatus,
  MAX_TUNNEL_BODY,
  parseTopic,
  type RemoteWebOpen,
  topics,
  tunnelResponse,
} from '../agent/cloud/protocol/index.ts';
import { FleetError } from './connect.ts';
import { findDevice } from './devices.ts';
import { describeStatus, newJobId, type Out } from './jobs.ts';
import { json } from './retained.ts';

const ANSWER_TIMEOUT_MS = 35_000;

export async function openWeb(
  client: MqttClient,
  id: string,
  out: Out,
  opts: { port: number; ttl?: number; onListening?: (url: string) => void },
): Promise<number> {
  const device = await findDevice(client, id);
  if (!device) throw new FleetError(`unknown device ${id}: it never connected to this broker (no status)`);
  if (device.state !== 'online') throw new FleetError(`device ${id} is offline: remote web needs it online`);
  const jobId = newJobId('web');
  const statusTopic = topics.jobStatus(id, jobId);
  let open: RemoteWebOpen | undefined;
  let last: JobStatus | undefined;
  const waiters = new Map<string, (payload: Buffer) => void>();
  let onStatus: () => void = () => {};
  client.on('message', (topic, payload) => {
    if (topic === statusTopic) {
      const s = jobStatus.safeParse(json(payload));
      if (!s.success) return;
      last = s.data;
      const d = s.data.details as Partial<RemoteWebOpen> | undefined;
      if (s.data.status === 'IN_PROGRESS' && s.data.step === 'open' && d?.session) open = d as RemoteWebOpen;
      onStatus();
      return;
    }
    const t = parseTopic(topic);
    if (t?.kind === 'web-response') waiters.get(t.n)?.(payload);
  });
  const changed = () => new Promise<void>((r) => (onStatus = r));
  await client.subscribeAsync({ [statusTopic]: { qos: 1 }, [topics.webResponses(id, jobId)]: { qos: 1 } });
  let next = changed();
  await client.publishAsync(
    topics.job(id, jobId),
    JSON.stringify({ type: 'remote-web', ...(opts.ttl ? { ttl: opts.ttl } : {}) }),
    { qos: 1 },
  );
  const deadline = Date.now() + 30_000;
  while (!open) {
    if (last && isTerminal(last.status)) throw new FleetError(describeStatus(jobId, last));
    if (Date.now() > deadline) throw new FleetError(`${jobId}: the device did not open the session in time`);
    await Promise.race([next, new Promise((r) => setTimeout(r, 1000))]);
    next = changed();
  }
  const session = open;
  let n = 0;
  const server = createServer((req, res) => {
    relay(req, res).catch((err) => {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
    });
  });
  async function relay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_TUNNEL_BODY) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(c as Buffer);
    }
    const key = String(++n);
    const answer = new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ANSWER_TIMEOUT_MS);
      waiters.set(key, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const body = Buffer.concat(chunks);
    await client.publishAsync(
      topics.webRequest(id, session.session, key),
      JSON.stringify({
        method: req.method,
        path: req.url,
        headers,
        ...(body.length ? { body: body.toString('base64') } : {}),
      }),
      { qos: 1 },
    );
    const payload = await answer;
    waiters.delete(key);
    const r = payload && tunnelResponse.safeParse(json(payload));
    if (!r?.success) {
      res.writeHead(504, { 'content-type': 'text/plain' }).end('no answer from the device\n');
      return;
    }
    res.writeHead(r.data.status, r.data.headers).end(r.data.body ? Buffer.from(r.data.body, 'base64') : undefined);
  }
  await new Promise<void>((r) => server.listen(opts.port, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  out.log(`remote web for ${id}: ${url} until ${session.expiresAt} (the device's login applies; Ctrl-C ends it)`);
  opts.onListening?.(url);
  const stop = async () => {
    await client.publishAsync(topics.jobCancel(id, jobId), '{}', { qos: 1 }).catch(() => {});
  };
  const onSigint = () => void stop();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  while (!last || !isTerminal(last.status)) {
    await next;
    next = changed();
  }
  process.removeListener('SIGINT', onSigint);
  process.removeListener('SIGTERM', onSigint);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  out.log(describeStatus(jobId, last));
  return last.status === 'SUCCEEDED' || last.status === 'CANCELED' ? 0 : 1;
}
