/**
 * baresip's call events mapped onto the call book's records: a new incoming call gets a record, an
 * outgoing call's events are matched by id (or by the peer dialled, if `callstat` could not tell
 * the id), events of an outgoing call whose id is not known yet are kept and replayed once it is,
 * and each event moves its call's state and is reported to the engine.
 */
import { randomUUID } from 'node:crypto';
import type { CallEnd } from '../engine.ts';
import { DIRECT } from './accounts.ts';
import { usableCallId } from './call-list.ts';
import { conversations, makeRoom, refuseBusy, refuseRingingAtLimit } from './calls-busy.ts';
import type { CallBookCore, CallRecord } from './calls-record.ts';
import { type BaresipEvent, parseStatus } from './messages.ts';

/** Events of an outgoing call whose id is not known yet, kept this many at most. */
const MAX_UNMATCHED = 64;

export class CallEvents {
  #book: CallBookCore;
  #unmatched = new Map<string, BaresipEvent[]>();

  constructor(book: CallBookCore) {
    this.#book = book;
  }

  /** Handles a call event; returns false if it is not one. */
  onEvent(e: BaresipEvent): boolean {
    const { deps, table } = this.#book;
    if (e.class !== 'call' && !e.type.startsWith('CALL_')) return false;
    if (e.type === 'CALL_INCOMING' && !usableCallId(e.id)) {
      // baresip holds a ringing call it cannot name (a Call-ID beginning with NUL ...): end it by its line.
      deps.log.warn({ peer: e.peeruri, id: e.id }, 'incoming call with an unusable Call-ID: ending it');
      void this.#book.reconcile('an incoming call without a usable id').catch(() => undefined);
      return true;
    }
    if (!e.id) return true; // the first events of an outgoing call: nothing to do with them
    if (e.type === 'CALL_CLOSED' && table.endingDuplicate.has(e.id)) return true;
    let rec = table.byBid.get(e.id);
    if (rec && e.type === 'CALL_INCOMING') {
      // A second call with the same Call-ID: the book cannot tell them apart; the duplicate is ended.
      deps.log.warn({ peer: e.peeruri, id: e.id }, 'incoming call with a Call-ID already in use: ending it');
      void this.#book.reconcile('a duplicate Call-ID').catch(() => undefined);
      return true;
    }
    if (!rec && e.type === 'CALL_INCOMING') rec = this.#incoming(e);
    if (!rec && e.direction === 'outgoing') rec = this.#matchByPeer(e);
    if (!rec) {
      if (e.direction === 'outgoing') this.#keep(e);
      return true;
    }
    this.#apply(rec, e);
    return true;
  }

  /** Applies the events kept for this call before its id was known. */
  replay(rec: CallRecord): void {
    const kept = rec.bid ? this.#unmatched.get(rec.bid) : undefined;
    if (!kept) return;
    this.#unmatched.delete(rec.bid!);
    for (const e of kept) this.#apply(rec, e);
  }

  #keep(e: BaresipEvent): void {
    const list = this.#unmatched.get(e.id!) ?? [];
    list.push(e);
    this.#unmatched.set(e.id!, list);
    if (this.#unmatched.size > MAX_UNMATCHED) this.#unmatched.delete(this.#unmatched.keys().next().value!);
  }

  #matchByPeer(e: BaresipEvent): CallRecord | undefined {
    const { deps, table } = this.#book;
    const key = deps.keyOf(e.accountaor);
    for (const rec of table.calls.values()) {
      if (!rec.bid && rec.dialled && rec.key === key && rec.dialled === e.peeruri) {
        table.map(rec, e.id!);
        return rec;
      }
    }
    return undefined;
  }

  #incoming(e: BaresipEvent): CallRecord | undefined {
    const { deps, table } = this.#book;
    const key = deps.keyOf(e.accountaor);
    if (key === undefined) {
      deps.log.warn({ aor: e.accountaor }, 'incoming call on a user agent the engine does not know: ignored');
      return undefined;
    }
    const rec = table.record({
      id: randomUUID(),
      direction: 'incoming',
      account: key === DIRECT ? null : key,
      peer: e.peeruri ?? '',
      peerName: e.peerdisplayname ?? '',
      ...(deps.sourceOf ? { source: deps.sourceOf(e.id!) } : {}),
      state: 'incoming',
      startedAt: deps.clock.now(),
    });
    rec.key = key;
    rec.aor = e.accountaor!;
    table.map(rec, e.id!);
    return rec;
  }

  #apply(rec: CallRecord, e: BaresipEvent): void {
    if (rec.closed) return;
    const { deps, table } = this.#book;
    const info = rec.info;
    switch (e.type) {
      case 'CALL_INCOMING':
        if (conversations(table) >= deps.maxCalls()) {
          rec.silent = true;
          refuseBusy(this.#book, rec);
          break;
        }
        makeRoom(this.#book, rec);
        deps.emit('call.incoming', { call: { ...info } });
        break;
      case 'CALL_LOCAL_SDP':
        if (info.direction === 'incoming') rec.accepted = true;
        break;
      case 'CALL_RINGING':
      case 'CALL_PROGRESS':
        if (info.state !== 'dialing') break;
        info.state = 'ringing';
        deps.emit('call.ringing', { call: { ...info } });
        break;
      case 'CALL_ESTABLISHED':
        if (info.state === 'established') break;
        info.state = 'established';
        info.answeredAt = deps.clock.now();
        deps.clock.clearTimeout(rec.timer);
        deps.emit('call.established', { call: { ...info } });
        rec.onSettled?.();
        refuseRingingAtLimit(this.#book);
        break;
      case 'CALL_RTPESTAB':
        deps.emit('call.media', { call: { ...info }, kind: e.param === 'video' ? 'video' : 'audio' });
        break;
      case 'CALL_DTMF_START':
        if (e.param) deps.emit('call.dtmf', { call: { ...info }, digit: e.param });
        break;
      case 'CALL_CLOSED':
        this.#book.finish(rec, rec.localEnd ?? remoteEnd(rec, e.param));
        break;
    }
  }
}

/** How a call baresip closed ended, from its CALL_CLOSED reason. */
function remoteEnd(rec: CallRecord, param: string | undefined): CallEnd {
  const { code, reason } = parseStatus(param);
  if (code !== undefined) return { reason, code };
  if (reason === 'Connection reset by peer')
    return { reason: rec.info.state === 'incoming' ? 'cancelled by caller' : 'remote hangup' };
  if (reason === 'Connection reset by user') return { reason: 'local hangup' };
  return { reason: reason || 'closed' };
}
