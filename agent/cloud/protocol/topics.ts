/**
 * The topics of the cloud protocol, version 1. Every device has its own prefix
 * `portier/v1/<deviceId>/`, where the device id is its MAC in lower case without separators.
 */

export const PROTOCOL_VERSION = 1;
export const TOPIC_ROOT = 'portier/v1';

/** A device id: 12 lower-case hex digits (the MAC without separators). */
export const DEVICE_ID = /^[0-9a-f]{12}$/;
/** A job id: chosen by the cloud, unique per device, safe in a topic level and a file. */
export const JOB_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** `0C:11:05:00:00:01` → `0c1105000001`; undefined when it is not a MAC. */
export function deviceIdFromMac(mac: string): string | undefined {
  const id = mac.replace(/[:-]/g, '').toLowerCase();
  return DEVICE_ID.test(id) ? id : undefined;
}

export const topics = {
  prefix: (id: string) => `${TOPIC_ROOT}/${id}`,
  /** Retained, QoS 1: the device's status; its last will says offline. */
  status: (id: string) => `${TOPIC_ROOT}/${id}/status`,
  /** QoS 1, not retained: what happened on the device. */
  event: (id: string, type: string) => `${TOPIC_ROOT}/${id}/events/${type}`,
  /** Cloud to device, QoS 1, never retained: a job document. */
  job: (id: string, jobId: string) => `${TOPIC_ROOT}/${id}/jobs/${jobId}`,
  /** Cloud to device, QoS 1, never retained: cancel a job. */
  jobCancel: (id: string, jobId: string) => `${TOPIC_ROOT}/${id}/jobs/${jobId}/cancel`,
  /** Device to cloud, retained, QoS 1: the state of a job. */
  jobStatus: (id: string, jobId: string) => `${TOPIC_ROOT}/${id}/jobs/${jobId}/status`,
  /** Remote web (tunnel over MQTT, not retained): a request of the installer's browser ... */
  webRequest: (id: string, session: string, n: string) => `${TOPIC_ROOT}/${id}/web/${session}/req/${n}`,
  /** ... and the device's answer. */
  webResponse: (id: string, session: string, n: string) => `${TOPIC_ROOT}/${id}/web/${session}/res/${n}`,
  webResponses: (id: string, session: string) => `${TOPIC_ROOT}/${id}/web/${session}/res/+`,
  /** What a device subscribes to: its jobs, their cancels, and remote web requests. */
  deviceSubscriptions: (id: string) => [
    `${TOPIC_ROOT}/${id}/jobs/+`,
    `${TOPIC_ROOT}/${id}/jobs/+/cancel`,
    `${TOPIC_ROOT}/${id}/web/+/req/+`,
  ],
  /** Every device's status (the operator's device list). */
  allStatus: () => `${TOPIC_ROOT}/+/status`,
  allEvents: (id = '+') => `${TOPIC_ROOT}/${id}/events/#`,
  allJobStatus: (id: string) => `${TOPIC_ROOT}/${id}/jobs/+/status`,
};

export type ParsedTopic =
  | { kind: 'status'; device: string }
  | { kind: 'event'; device: string; type: string }
  | { kind: 'job'; device: string; jobId: string }
  | { kind: 'job-cancel'; device: string; jobId: string }
  | { kind: 'job-status'; device: string; jobId: string }
  | { kind: 'web-request'; device: string; session: string; n: string }
  | { kind: 'web-response'; device: string; session: string; n: string };

/** Reads a topic of the protocol; undefined when it is not one. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== 'portier' || parts[1] !== 'v1') return undefined;
  const device = parts[2] ?? '';
  if (!DEVICE_ID.test(device)) return undefined;
  const rest = parts.slice(3);
  if (rest.length === 1 && rest[0] === 'status') return { kind: 'status', device };
  if (
    rest[0] === 'web' &&
    rest.length === 4 &&
    JOB_ID.test(rest[1] ?? '') &&
    /^[A-Za-z0-9_-]{1,32}$/.test(rest[3] ?? '')
  ) {
    if (rest[2] === 'req') return { kind: 'web-request', device, session: rest[1]!, n: rest[3]! };
    if (rest[2] === 'res') return { kind: 'web-response', device, session: rest[1]!, n: rest[3]! };
  }
  if (rest[0] === 'events' && rest.length === 2 && rest[1]) return { kind: 'event', device, type: rest[1] };
  if (rest[0] !== 'jobs' || !rest[1] || !JOB_ID.test(rest[1])) return undefined;
  const jobId = rest[1];
  if (rest.length === 2) return { kind: 'job', device, jobId };
  if (rest.length === 3 && rest[2] === 'cancel') return { kind: 'job-cancel', device, jobId };
  if (rest.length === 3 && rest[2] === 'status') return { kind: 'job-status', device, jobId };
  return undefined;
}
