/**
 * Answering a ringing call: the busy check, `accept` with its retries (baresip 1.0.0's first
 * `accept` can fail silently), the wait for the caller's ACK, and undoing the "on hold" marks a
 * failed `accept` leaves on the other calls ringing.
 */
import { conversations } from './calls-busy.ts';
import type { CallBookCore, CallRecord } from './calls-record.ts';

/** How long an answered call may take to be established (the caller's ACK) before answer() fails. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 5000;

/** `accept` tries for one answer: baresip 1.0.0's first `accept` can fail silently (see accept). */
const ACCEPT_TRIES = 3;

/**
 * Answers a ringing call and resolves once it is established (the caller's ACK came); rejects if
 * baresip did not answer it, if it ended meanwhile, or if it was not established in time.
 */
export async function answer(book: CallBookCore, id: string): Promise<void> {
  const rec = book.table.open(id);
  if (rec.info.state !== 'incoming') throw new Error(`call ${id} is not ringing here (it is ${rec.info.state})`);
  if (rec.answering) throw new Error(`call ${id} is already being answered`);
  const max = book.deps.maxCalls();
  const busy = conversations(book.table);
  if (busy >= max) throw new Error(`busy: ${busy} call(s) in progress, the limit is ${max}`);
  rec.answering = true;
  try {
    const settled = whenSettled(book, rec);
    settled.catch(() => undefined);
    const retried = await accept(book, rec);
    await settled;
    if (retried) await unhold(book, rec);
  } finally {
    rec.answering = false;
  }
}

/**
 * Sends `accept` until baresip takes it. baresip 1.0.0's `accept` first puts the call before the
 * selected one on hold, and if that fails (it is ringing too, or is a call baresip cannot name)
 * answers nothing and still says ok; the failed hold leaves that call marked "on hold", so the next
 * `accept` answers. Whether it answered is seen in its CALL_LOCAL_SDP event, which comes before its
 * reply. Returns whether it took more than one try.
 */
async function accept(book: CallBookCore, rec: CallRecord): Promise<boolean> {
  for (let attempt = 1; attempt <= ACCEPT_TRIES; attempt++) {
    if (attempt === ACCEPT_TRIES) await book.reconcile('an answer was not taken');
    await book.command(rec, 'accept');
    if (rec.closed) throw new Error(`call ${rec.info.id} ended while it was being answered`);
    if (rec.accepted || rec.info.state === 'established') return attempt > 1;
    book.deps.log.warn({ call: rec.info.id, attempt }, 'baresip did not take the answer: trying again');
  }
  void book.reconcile('an answer was not taken').catch(() => undefined);
  throw new Error(`baresip did not answer call ${rec.info.id}`);
}

/** Resolves when the call is established; rejects when it closes or after the answer time out. */
function whenSettled(book: CallBookCore, rec: CallRecord): Promise<void> {
  const ms = book.deps.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  return new Promise<void>((resolve, reject) => {
    const timer = book.deps.clock.setTimeout(
      () => done(new Error(`call ${rec.info.id} was answered but not established within ${ms} ms`)),
      ms,
    );
    const done = (err?: Error) => {
      book.deps.clock.clearTimeout(timer);
      rec.onSettled = undefined;
      if (err) reject(err);
      else resolve();
    };
    rec.onSettled = done;
  });
}

/**
 * Undoes what a failed `accept` left: the other calls ringing on that user agent may be marked
 * "on hold" (and would be answered send-only). `resume` clears the mark; on a ringing call baresip
 * then fails to send the re-INVITE, which is what we want.
 */
async function unhold(book: CallBookCore, answered: CallRecord): Promise<void> {
  for (const rec of [...book.table.calls.values()]) {
    if (rec === answered || rec.closed || rec.localEnd || rec.key !== answered.key) continue;
    if (rec.info.state !== 'incoming') continue;
    await book.command(rec, 'resume').catch(() => undefined);
  }
}
