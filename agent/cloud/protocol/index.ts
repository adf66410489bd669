/**
 * The cloud protocol, version 1 (docs/cloud-protocol.md): topics and the zod types of every
 * payload. The agent's cloud link and the operator tool (fleet/) both import this entry; it imports
 * nothing but zod (its functional API, zod/mini: ./zod.ts), so the operator side shares the
 * protocol without depending on the agent.
 */

export { type DeviceStatus, deviceStatus } from './device-status.ts';
export { type CloudEvent, cloudEvent, EVENT_TYPES, type EventType } from './event.ts';
export {
  type AutopJob,
  autopJob,
  describeIssues,
  type FirmwareJob,
  JOB_TYPES,
  type JobDocument,
  type JobType,
  jobDocument,
  MAX_JOB_BYTES,
  MAX_MESSAGE_TEXT,
  MAX_TITLE,
  type MessageJob,
  type ParsedJob,
  parseJob,
  REBOOT_MAX_WAIT_DEFAULT,
  type RebootJob,
  type RemoteWebJob,
} from './job.ts';
export {
  cloudView,
  isTerminal,
  JOB_STATES,
  type JobState,
  type JobStatus,
  jobStatus,
  TERMINAL_STATES,
} from './job-status.ts';
export {
  MAX_TUNNEL_BODY,
  REMOTE_WEB_TTL_DEFAULT,
  type RemoteWebOpen,
  type TunnelRequest,
  type TunnelResponse,
  tunnelRequest,
  tunnelResponse,
} from './remote-web.ts';
export {
  DEVICE_ID,
  deviceIdFromMac,
  JOB_ID,
  type ParsedTopic,
  PROTOCOL_VERSION,
  parseTopic,
  TOPIC_ROOT,
  topics,
} from './topics.ts';
