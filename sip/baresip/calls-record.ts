/**
 * One call as the call book (calls.ts) holds it, the table of those records (by the engine's id and
 * by baresip's), and what the parts of the book share: its dependencies and the book's own ways to
 * end, command and reconcile a call.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.ts';
import type { CallEnd, CallInfo, SipEvents } from '../engine.ts';
import { DIRECT } from './accounts.ts';
import type { Reconciliation } from './calls-reconcile.ts';
import type { CtrlClient } from './ctrl-client.ts';
import type { Serial } from './serial.ts';

export type CallRecord = {
  info: CallInfo;
  /** baresip's id (the SIP Call-ID). */
  bid?: string;
  key: string;
  aor: string;
  /** Resolves with baresip's id once known (undefined if the dial failed). */
  mapped: Promise<string | undefined>;
  resolveMapped: (bid: string | undefined) => void;
  /** The peer URI as dialled, to match events if `callstat` could not tell the id. */
  dialled?: string;
  /** Why we ended it, when we did. */
  localEnd?: CallEnd;
  timer?: TimerHandle;
  closed: boolean;
  /** answer() is in progress: counts as a conversation for the busy limit. */
  answering?: boolean;
  /** baresip sent its SDP answer (CALL_LOCAL_SDP): `accept` was taken. */
  accepted?: boolean;
  /** Refused busy before the agent heard of it: its end is not reported either. */
  silent?: boolean;
  /** Waiting for this call to be established (answer()). */
  onSettled?: (err?: Error) => void;
};

export type CallBookDeps = {
  clock: Clock;
  log: Logger;
  serial: Serial;
  ctrl: () => CtrlClient | undefined;
  keyOf: (aor: string | undefined) => string | undefined;
  /** The user agents baresip holds (their AORs), whose calls are reconciled. */
  aors: () => string[];
  emit: <E extends keyof SipEvents>(event: E, payload: SipEvents[E]) => void;
  /** Calls in conversation at once; an incoming call beyond is refused busy (read at each call). */
  maxCalls: () => number;
  /** baresip holds calls it cannot end: the engine restarts it. */
  restart: (reason: string) => void;
  answerTimeoutMs?: number;
  /** Where the INVITE of baresip's call id came from ('' = unknown); absent = not tracked. */
  sourceOf?: (bid: string) => string;
};

/** The book's records: by the engine's id (in the order the calls came) and by baresip's id. */
export class CallTable {
  readonly calls = new Map<string, CallRecord>();
  readonly byBid = new Map<string, CallRecord>();
  /** Ids of duplicate calls being ended: their CALL_CLOSED is not the end of the book's call of that id. */
  readonly endingDuplicate = new Set<string>();

  record(info: CallInfo): CallRecord {
    let resolveMapped!: (bid: string | undefined) => void;
    const mapped = new Promise<string | undefined>((r) => {
      resolveMapped = r;
    });
    const rec: CallRecord = { info, key: DIRECT, aor: '', mapped, resolveMapped, closed: false };
    this.calls.set(info.id, rec);
    return rec;
  }

  open(id: string): CallRecord {
    const rec = this.calls.get(id);
    if (!rec || rec.closed) throw new Error(`no call ${id}`);
    return rec;
  }

  map(rec: CallRecord, bid: string): void {
    rec.bid = bid;
    rec.dialled = undefined;
    this.byBid.set(bid, rec);
    rec.resolveMapped(bid);
  }
}

/** What the parts of the call book share: its dependencies, its records, and the book's own operations. */
export type CallBookCore = {
  deps: CallBookDeps;
  table: CallTable;
  /** Closes a call here and reports its end (unless it is silent). */
  finish: (rec: CallRecord, end: CallEnd) => void;
  /** Ends a call through baresip; if baresip cannot, ends it here. */
  end: (rec: CallRecord) => Promise<void>;
  /** Selects the call in baresip and sends `command` only if the selection was confirmed. */
  command: (rec: CallRecord, command: string, params?: string) => Promise<void>;
  /** Checks baresip's calls against the book and repairs. */
  reconcile: (why: string) => Promise<Reconciliation>;
};
