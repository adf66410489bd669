/**
 * Sending a job and following it: the operator first publishes the job's status QUEUED (retained,
 * so `jobs` shows it while the device is away), then the job itself (QoS 1, never retained); the
 * broker keeps it in the device's persistent session until the device is back. Then it follows
 * `jobs/<jobId>/status` until an end state.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import {
  cloudView,
  isTerminal,
  type JobDocument,
  type JobStatus,
  jobDocument,
  jobStatus,
  parseTopic,
  topics,
} from '../agent/cloud/protocol/index.ts';
import { FleetError } from './connect.ts';
import { findDevice } from './devices.ts';
import { json, readRetained } from './retained.ts';
import { table } from './table.ts';

export type Out = { log(line: string): void };

export function newJobId(type: string): string {
  return `${type}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function describeStatus(jobId: string, s: JobStatus): string {
  const details =
    s.details === undefined ? '' : ` ${typeof s.details === 'string' ? s.details : JSON.stringify(s.details)}`;
  return `${jobId} ${s.status}${s.step ? ` (${s.step})` : ''}${s.progress !== undefined ? ` ${s.progress}%` : ''}${details}`;
}

/**
 * Sends `doc` to device `id`. Resolves with the last status seen (the end state when the device
 * answers within `timeoutMs`) and whether the device was offline.
 */
export async function sendJob(
  client: MqttClient,
  id: string,
  doc: JobDocument,
  out: Out,
  opts: { timeoutMs: number; wait: 'never' | 'online' | 'always'; jobId?: string },
): Promise<{ last: JobStatus; offline: boolean; jobId: string }> {
  const checked = jobDocument.safeParse(doc);
  if (!checked.success)
    throw new FleetError(`the job is not valid: ${checked.error.issues.map((i) => i.message).join('; ')}`);
  const device = await findDevice(client, id);
  if (!device) throw new FleetError(`unknown device ${id}: it never connected to this broker (no status)`);
  const jobId = opts.jobId ?? newJobId(doc.type);
  const statusTopic = topics.jobStatus(id, jobId);
  let last: JobStatus = { status: 'QUEUED', details: 'sent by the operator', updatedAt: new Date().toISOString() };
  const ended = new Promise<void>((resolve) => {
    client.on('message', (topic, payload) => {
      if (topic !== statusTopic) return;
      const s = jobStatus.safeParse(json(payload));
      if (!s.success) return;
      const changed = s.data.status !== last.status || s.data.step !== last.step || s.data.progress !== last.progress;
      last = s.data;
      if (changed || isTerminal(s.data.status)) out.log(describeStatus(jobId, s.data));
      if (isTerminal(s.data.status)) resolve();
    });
  });
  await client.subscribeAsync(statusTopic, { qos: 1 });
  await client.publishAsync(statusTopic, JSON.stringify(last), { qos: 1, retain: true });
  await client.publishAsync(topics.job(id, jobId), JSON.stringify(doc), { qos: 1, retain: false });
  if (device.state !== 'online') {
    out.log(
      `device ${id} is offline (last connected ${device.connectedAt ?? 'never'}): job ${jobId} is QUEUED and runs when it connects`,
    );
    if (opts.wait !== 'always') return { last, offline: true, jobId };
  } else out.log(`${jobId} sent to ${id}`);
  if (opts.wait === 'never') return { last, offline: false, jobId };
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise<void>((r) => (timer = setTimeout(r, opts.timeoutMs)))]);
  clearTimeout(timer);
  if (!isTerminal(last.status)) out.log(`${jobId} still ${last.status} after ${Math.round(opts.timeoutMs / 1000)} s`);
  return { last, offline: device.state !== 'online', jobId };
}

/** Cancels a job; resolves with the status the device answers with. */
export async function cancelJob(
  client: MqttClient,
  id: string,
  jobId: string,
  out: Out,
  timeoutMs: number,
): Promise<JobStatus | undefined> {
  const statusTopic = topics.jobStatus(id, jobId);
  const before = (await readRetained(client, statusTopic, 200)).get(statusTopic);
  if (!before) throw new FleetError(`no job ${jobId} on device ${id}`);
  let last: JobStatus | undefined;
  const changed = new Promise<void>((resolve) => {
    client.on('message', (topic, payload, packet) => {
      if (topic !== statusTopic || packet.retain) return;
      const s = jobStatus.safeParse(json(payload));
      if (s.success) {
        last = s.data;
        resolve();
      }
    });
  });
  await client.subscribeAsync(statusTopic, { qos: 1, rh: 2 });
  await client.publishAsync(topics.jobCancel(id, jobId), '{}', { qos: 1, retain: false });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([changed, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
  if (last) out.log(describeStatus(jobId, last));
  else out.log(`${jobId}: no answer from the device yet (it cancels a job that has not started its irreversible part)`);
  return last;
}

export type JobRow = JobStatus & { jobId: string };

export async function listJobs(client: MqttClient, id: string): Promise<JobRow[]> {
  const retained = await readRetained(client, topics.allJobStatus(id));
  const rows: JobRow[] = [];
  for (const [topic, payload] of retained) {
    const t = parseTopic(topic);
    const s = jobStatus.safeParse(json(payload));
    if (t?.kind === 'job-status' && s.success) rows.push({ ...s.data, jobId: t.jobId });
  }
  return rows.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
}

export function jobsTable(rows: JobRow[]): string {
  return table(
    ['JOB', 'TYPE', 'STATUS', 'CLOUD', 'STEP', 'UPDATED', 'DETAILS'],
    rows.map((r) => [
      r.jobId,
      r.type ?? '',
      r.status,
      cloudView(r.status),
      r.step ?? '',
      r.updatedAt,
      r.details === undefined ? '' : typeof r.details === 'string' ? r.details : JSON.stringify(r.details),
    ]),
  );
}
