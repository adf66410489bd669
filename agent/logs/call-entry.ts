/** Turns a closed call into its call log entry. */
import type { CallEnd, CallInfo } from '../../sip/engine.ts';
import type { CallLogEntry } from './types.ts';

const REFUSALS = new Set([480, 486, 600, 603]);

export function callLogEntry(call: CallInfo, end: CallEnd, endedAt: number): CallLogEntry {
  let result: CallLogEntry['result'];
  if (call.answeredAt !== undefined) result = 'answered';
  else if (call.direction === 'incoming') result = end.code ? 'rejected' : 'missed';
  else if (end.code && REFUSALS.has(end.code)) result = 'rejected';
  else if (end.code && end.code >= 400) result = 'failed';
  else result = 'cancelled';
  return {
    id: call.id,
    direction: call.direction,
    account: call.account,
    peer: call.peer,
    peerName: call.peerName,
    startedAt: call.startedAt,
    ...(call.answeredAt !== undefined ? { answeredAt: call.answeredAt } : {}),
    endedAt,
    result,
    reason: end.reason,
    ...(end.code !== undefined ? { code: end.code } : {}),
  };
}
