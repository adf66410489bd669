/**
 * Busy handling of the call book. An incoming call that arrives when `maxCalls()` calls are in
 * conversation (established, or being answered) is refused with 486 at once, before the agent hears
 * of it; when a call becomes established and the limit is reached, the other incoming calls still
 * ringing are refused too. The door's own outgoing calls that ring (a group or sequence call) do not
 * count. Too many calls ringing on one user agent make the oldest one go (makeRoom).
 */
import type { CallBookCore, CallRecord, CallTable } from './calls-record.ts';

/**
 * Incoming calls ringing at once per user agent, not counting a new one: baresip 1.0.0 holds 4 calls
 * per user agent (`call_max_calls`) and refuses the next with "486 Max Calls" before the engine
 * hears of it, so a fourth ringing call makes the oldest one go (see makeRoom).
 */
export const MAX_RINGING = 3;

/** Calls in conversation: established, or being answered. */
export function conversations(table: CallTable): number {
  let n = 0;
  for (const rec of table.calls.values()) if (!rec.closed && (rec.info.state === 'established' || rec.answering)) n++;
  return n;
}

/**
 * Keeps baresip's room for one more incoming call on this user agent: with MAX_RINGING calls
 * already ringing there, the oldest one not being answered is refused (486). Otherwise a few
 * INVITEs nobody answers would fill baresip's limit (4 calls per user agent) and every later
 * caller would get "486 Max Calls" until the dial in time ends them.
 */
export function makeRoom(book: CallBookCore, rec: CallRecord): void {
  const ringing = [...book.table.calls.values()].filter(
    (r) => r !== rec && !r.closed && r.key === rec.key && r.info.state === 'incoming' && !r.answering && !r.localEnd,
  );
  if (ringing.length < MAX_RINGING) return;
  const oldest = ringing[0]!;
  oldest.localEnd = { reason: 'too many calls ringing', code: 486 };
  book.deps.log.warn(
    { call: oldest.info.id, peer: oldest.info.peer, ringing: ringing.length + 1 },
    'too many calls ringing: refusing the oldest',
  );
  void book.end(oldest);
}

/** Refuses a ringing call because the limit of calls is reached (486). */
export function refuseBusy(book: CallBookCore, rec: CallRecord): void {
  rec.localEnd = { reason: 'busy', code: 486 };
  book.deps.log.info(
    { call: rec.info.id, peer: rec.info.peer, limit: book.deps.maxCalls() },
    'incoming call refused: busy',
  );
  void book.end(rec);
}

/** A call became established: if the limit is reached, refuses the incoming calls still ringing. */
export function refuseRingingAtLimit(book: CallBookCore): void {
  if (conversations(book.table) < book.deps.maxCalls()) return;
  for (const other of [...book.table.calls.values()])
    if (!other.closed && other.info.state === 'incoming' && !other.answering && !other.localEnd)
      refuseBusy(book, other);
}
