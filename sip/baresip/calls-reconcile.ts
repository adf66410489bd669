/**
 * Reconciliation of the call book with baresip's own call list (`listcalls`), run on anomalies (an
 * incoming call without a usable id, an answer baresip did not take) and periodically: calls
 * baresip holds that the book does not know are ended by their line, calls of the book baresip no
 * longer holds are closed here, and baresip is restarted if a call cannot be ended.
 */
import type { CallInfo } from '../engine.ts';
import { type HeldCall, hangupLine, readHeldCalls, usableCallId } from './call-list.ts';
import type { CallBookCore, CallRecord } from './calls-record.ts';

/** What one reconciliation found and did. */
export type Reconciliation = {
  /** Calls baresip held that the book did not know, ended. */
  ended: HeldCall[];
  /** Calls of the book baresip no longer held, closed. */
  lost: CallInfo[];
  /** A call could not be ended: baresip is restarted. */
  stuck: boolean;
};

/** Runs reconciliations one at a time for the call book. */
export class Reconciler {
  #book: CallBookCore;
  #reconciling: Promise<Reconciliation> | undefined;
  #again = false;

  constructor(book: CallBookCore) {
    this.#book = book;
  }

  /**
   * Checks baresip's calls against the book and repairs: ends the calls baresip holds that the book
   * does not know (or cannot name), closes the book's calls baresip no longer holds, restarts
   * baresip if a call could not be ended. One at a time; a request during a run makes one more run.
   */
  reconcile(why: string): Promise<Reconciliation> {
    if (this.#reconciling) {
      this.#again = true;
      return this.#reconciling;
    }
    const run = (async () => {
      let r: Reconciliation;
      do {
        this.#again = false;
        r = await this.#reconcileOnce(why);
      } while (this.#again && !r.stuck);
      return r;
    })();
    this.#reconciling = run;
    void run.finally(() => {
      if (this.#reconciling === run) this.#reconciling = undefined;
    });
    return run;
  }

  async #reconcileOnce(why: string): Promise<Reconciliation> {
    const { deps, table } = this.#book;
    const result: Reconciliation = { ended: [], lost: [], stuck: false };
    const ctrl = deps.ctrl();
    if (!ctrl) return result;
    const aors = deps.aors();
    const lost: CallRecord[] = [];
    await deps.serial.run(async () => {
      const held = await readHeldCalls(ctrl, aors);
      for (const [aor, calls] of held) {
        const seen = new Set<string>();
        const dialling = [...table.calls.values()].some((r) => !r.closed && !r.bid && r.aor === aor);
        const unknown: HeldCall[] = [];
        for (const c of calls) {
          const rec = c.id ? table.byBid.get(c.id) : undefined;
          const duplicate = c.id !== undefined && seen.has(c.id);
          if (c.id) seen.add(c.id);
          if (rec && !duplicate && rec.aor === aor) continue;
          // An outgoing call whose id the book is about to learn (its dial's reply is on its way).
          if (!duplicate && c.outgoing && usableCallId(c.id) && dialling) continue;
          unknown.push(c);
        }
        for (const c of unknown) {
          deps.log.warn(
            { aor, line: c.line, id: c.id, state: c.state, peer: c.peer, why },
            'baresip holds a call the engine does not know: ending it',
          );
          // Its CALL_CLOSED comes before the reply, and names the id of a call the book may hold.
          const duplicate = usableCallId(c.id) && table.byBid.has(c.id);
          if (duplicate) table.endingDuplicate.add(c.id!);
          try {
            await hangupLine(ctrl, aor, c.line);
          } finally {
            if (duplicate) table.endingDuplicate.delete(c.id!);
          }
          result.ended.push(c);
        }
        if (unknown.length) {
          const again = (await readHeldCalls(ctrl, [aor])).get(aor) ?? [];
          const left = unknown.filter((u) => again.some((c) => c.line === u.line && c.id === u.id));
          if (left.length) result.stuck = true;
        }
        for (const rec of table.calls.values())
          if (!rec.closed && rec.bid && rec.aor === aor && !seen.has(rec.bid)) lost.push(rec);
      }
    });
    for (const rec of lost) {
      if (rec.closed) continue;
      deps.log.warn({ call: rec.info.id, why }, 'baresip no longer holds this call: closing it');
      result.lost.push({ ...rec.info });
      this.#book.finish(rec, rec.localEnd ?? { reason: 'lost by the SIP engine' });
    }
    if (result.stuck) deps.restart('baresip holds a call it does not end');
    return result;
  }
}
