/** The events the cloud link puts on the agent's bus. */
import type { InboxMessage } from './jobs/message.ts';
import type { JobUpdate } from './jobs/runner.ts';
import type { LinkStatus } from './link.ts';

export type CloudEvents = {
  'cloud.link': LinkStatus;
  'cloud.job': JobUpdate;
  /** A message from the cloud stored in the inbox (indoor monitor). */
  'message.received': InboxMessage;
};
