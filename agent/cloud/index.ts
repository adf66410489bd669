/** The cloud link: MQTT to a management cloud, jobs, status and events (docs/cloud-protocol.md). */

export { type Connector, type Incoming, mqttConnector } from './client.ts';
export { Cloud, type CloudDeps, type CloudService } from './cloud.ts';
export type { JobHandler, JobHandlers } from './jobs/handler.ts';
export type { InboxMessage } from './jobs/message.ts';
export { CloudLink, type LinkStatus } from './link.ts';
export * as protocol from './protocol/index.ts';
export { type BrokerSettings, brokerSettings } from './settings.ts';
export type { ReapplyResult } from './standing.ts';
