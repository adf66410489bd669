/**
 * The agent's bus, as the cloud sees it: calls, door openings, inputs, alarms and job progress
 * published on `events/<type>` (QoS 1, not retained), each with a unique id, the UTC time and the
 * uptime, as integrators know them from 2N's log.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/index.ts';
import type { Bus } from '../bus.ts';
import type { JobUpdate } from './jobs/runner.ts';
import type { CloudEvent, EventType } from './protocol/index.ts';

export type EventSink = (type: EventType, event: CloudEvent) => void;

/** Subscribes to the bus; returns the function that unsubscribes. */
export function forwardEvents(deps: { bus: Bus; clock: Clock; startedAt: number; sink: EventSink }): {
  off: () => void;
  job: (u: JobUpdate) => void;
} {
  const { bus, clock, sink } = deps;
  const send = (type: EventType, params: Record<string, unknown>) =>
    sink(type, {
      id: randomUUID(),
      type,
      utcTime: new Date(clock.now()).toISOString(),
      upTime: Math.round((clock.monotonic() - deps.startedAt) / 1000),
      params,
    });
  const call =
    (state: string) =>
    ({ call }: { call: { id: string; direction: string; peer: string; account: string | null } }, extra = {}) =>
      send('call', {
        state,
        callId: call.id,
        direction: call.direction,
        peer: call.peer,
        account: call.account,
        ...extra,
      });
  const offs = [
    bus.on('call.incoming', (e) => call('incoming')(e)),
    bus.on('call.outgoing', (e) => call('outgoing')(e)),
    bus.on('call.established', (e) => call('established')(e)),
    bus.on('call.closed', (e) =>
      call('ended')(e, { reason: e.end.reason, ...(e.end.code ? { code: e.end.code } : {}) }),
    ),
    bus.on('door.opened', (e) =>
      send('door', {
        relay: e.relay + 1,
        name: e.name,
        method: e.method,
        actor: e.actor,
        ...(e.call ? { callId: e.call.id, caller: e.call.peer } : {}),
      }),
    ),
    bus.on('input.changed', (e) => send('input', { input: e.index + 1, name: e.name, role: e.role, active: e.active })),
    bus.on('input.alarm', (e) => send('alarm', { input: e.index + 1, name: e.name, kind: e.kind, active: e.active })),
    // Indoor monitor: the resident opened a message of the inbox (the read receipt).
    bus.on('message.read', (e) => send('message', { id: e.id, state: 'read' })),
  ];
  return {
    off: () => {
      for (const off of offs) off();
    },
    job: (u) => send('job', { ...u }),
  };
}
