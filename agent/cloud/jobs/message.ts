/**
 * `message` jobs: a title and a text for an indoor monitor. A door phone refuses them (REJECTED);
 * an indoor monitor keeps them in its inbox (`inbox/messages.jsonl`) and emits `message.received`.
 * Showing them and the read receipt come with the indoor monitor role (issue 13).
 */
import type { MessageJob } from '../protocol/index.ts';
import type { JobHandler } from './handler.ts';

export type InboxMessage = { id: string; title: string; text: string; receivedAt: number; read: boolean };

export function messageHandler(deps: {
  role: () => string;
  inbox: { append(m: InboxMessage): Promise<void> };
  now: () => number;
  received: (m: InboxMessage) => void;
}): JobHandler<MessageJob> {
  return {
    accept() {
      const role = deps.role();
      return role === 'indoor-monitor'
        ? undefined
        : `this device is a ${role} (identity.role): messages are for indoor monitors`;
    },
    async run(ctx) {
      const m: InboxMessage = {
        id: ctx.id,
        title: ctx.doc.title,
        text: ctx.doc.text,
        receivedAt: deps.now(),
        read: false,
      };
      await deps.inbox.append(m);
      deps.received(m);
      return { status: 'SUCCEEDED', details: 'stored in the inbox' };
    },
  };
}
