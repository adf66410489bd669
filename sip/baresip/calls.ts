/**
 * The calls as the engine tracks them. baresip's `dial` returns no call id, so each dial is sent
 * with `callstat` in the same write and the id read from its reply; events that come before that
 * are kept and replayed. Every command for a call first selects it (`uafind` its account, `callfind`
 * its id) and goes only if baresip confirmed the selection.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, Logger, TimerHandle } from '../../core/index.ts';
import type { CallEnd, CallInfo, SipEvents } from '../engine.ts';
import { DIRECT } from './accounts.ts';
import type { CtrlClient } from './ctrl-client.ts';
import { type BaresipEvent, type CtrlResponse, parseCallstat, parseStatus } from './messages.ts';
import type { Serial } from './serial.ts';

/** What the engine's dial-out timeout is when the caller gives none (baresip alone waits 32 s, or forever once ringing). */
export const DEFAULT_DIAL_TIMEOUT_MS = 120_000;

/** Events of an outgoing call whose id is not known yet, kept this many at most. */
const MAX_UNMATCHED = 64;

type CallRecord = {
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
};

export type CallBookDeps = {
  clock: Clock;
  log: Logger;
  serial: Serial;
  ctrl: () => CtrlClient | undefined;
  keyOf: (aor: string | undefined) => string | undefined;
  emit: <E extends keyof SipEvents>(event: E, payload: SipEvents[E]) => void;
};

export class CallBook {
  #deps: CallBookDeps;
  #calls = new Map<string, CallRecord>();
  #byBid = new Map<string, CallRecord>();
  #unmatched = new Map<string, BaresipEvent[]>();

  constructor(deps: CallBookDeps) {
    this.#deps = deps;
  }

  list(): CallInfo[] {
    return [...this.#calls.values()].filter((r) => !r.closed).map((r) => ({ ...r.info }));
  }

  /** Places a call through the user agent `aor` (already known to exist); returns at once. */
  dial(uri: string, key: string, aor: string, timeoutMs: number): CallInfo {
    const ctrl = this.#deps.ctrl();
    if (!ctrl) throw new Error('the SIP engine is not running');
    const rec = this.#record({
      id: randomUUID(),
      direction: 'outgoing',
      account: key === DIRECT ? null : key,
      peer: uri,
      peerName: '',
      state: 'dialing',
      startedAt: this.#deps.clock.now(),
    });
    rec.key = key;
    rec.aor = aor;
    rec.dialled = uri;
    rec.timer = this.#deps.clock.setTimeout(() => this.#dialTimeout(rec), timeoutMs);
    const sent = this.#deps.serial.run(() =>
      ctrl.send([{ command: 'uafind', params: aor }, { command: 'dial', params: uri }, { command: 'callstat' }]),
    );
    void this.#afterDial(rec, sent);
    return { ...rec.info };
  }

  async answer(id: string): Promise<void> {
    const rec = this.#open(id);
    if (rec.info.state !== 'incoming') throw new Error(`call ${id} is not ringing here (it is ${rec.info.state})`);
    await this.#command(rec, 'accept');
  }

  async hangup(id: string): Promise<void> {
    const rec = this.#calls.get(id);
    if (!rec || rec.closed) return;
    rec.localEnd ??= rec.info.state === 'incoming' ? { reason: 'rejected', code: 486 } : { reason: 'local hangup' };
    await this.#end(rec);
  }

  async reject(id: string, code: number): Promise<void> {
    const rec = this.#open(id);
    if (rec.info.state !== 'incoming') throw new Error(`call ${id} is not ringing here (it is ${rec.info.state})`);
    if (code !== 486)
      this.#deps.log.warn({ call: id, code }, `baresip 1.0.0 can only reject with 486: ${code} is sent as 486`);
    rec.localEnd = { reason: code === 486 ? 'rejected' : `rejected (486 sent for ${code})`, code: 486 };
    await this.#end(rec);
  }

  async sendDtmf(id: string, digits: string): Promise<void> {
    if (!/^[0-9*#A-Da-d]+$/.test(digits)) throw new Error(`"${digits}" are not DTMF digits (0-9 * # A-D)`);
    const rec = this.#open(id);
    if (rec.info.state !== 'established') throw new Error(`call ${id} is not established (it is ${rec.info.state})`);
    await this.#command(rec, 'sndcode', digits.toUpperCase());
  }

  async hold(id: string, on: boolean): Promise<void> {
    const rec = this.#open(id);
    if (rec.info.state !== 'established') throw new Error(`call ${id} is not established (it is ${rec.info.state})`);
    await this.#command(rec, on ? 'hold' : 'resume');
  }

  /** Handles a call event; returns false if it is not one. */
  onEvent(e: BaresipEvent): boolean {
    if (e.class !== 'call' && !e.type.startsWith('CALL_')) return false;
    if (!e.id) return true; // the first events of an outgoing call: nothing to do with them
    let rec = this.#byBid.get(e.id);
    if (!rec && e.type === 'CALL_INCOMING') rec = this.#incoming(e);
    if (!rec && e.direction === 'outgoing') rec = this.#matchByPeer(e);
    if (!rec) {
      if (e.direction === 'outgoing') this.#keep(e);
      return true;
    }
    this.#apply(rec, e);
    return true;
  }

  /** Ends the calls of one user agent (removed), or all of them (engine down), without asking baresip. */
  drop(key: string | undefined, reason: string): void {
    for (const rec of [...this.#calls.values()])
      if (key === undefined || rec.key === key) this.#finish(rec, { reason });
  }

  #record(info: CallInfo): CallRecord {
    let resolveMapped!: (bid: string | undefined) => void;
    const mapped = new Promise<string | undefined>((r) => {
      resolveMapped = r;
    });
    const rec: CallRecord = { info, key: DIRECT, aor: '', mapped, resolveMapped, closed: false };
    this.#calls.set(info.id, rec);
    return rec;
  }

  #open(id: string): CallRecord {
    const rec = this.#calls.get(id);
    if (!rec || rec.closed) throw new Error(`no call ${id}`);
    return rec;
  }

  async #afterDial(rec: CallRecord, sent: Promise<Promise<CtrlResponse>[]>): Promise<void> {
    let dialled: CtrlResponse;
    let stat: CtrlResponse;
    try {
      const [, d, s] = await sent;
      dialled = await d!;
      stat = await s!;
    } catch (err) {
      this.#finish(rec, { reason: `dial failed: ${(err as Error).message}` });
      return;
    }
    if (!dialled.ok) {
      this.#finish(rec, { reason: `dial failed: ${dialled.data.trim() || 'baresip refused'}` });
      return;
    }
    const s = parseCallstat(stat.data);
    if (s.id && s.outgoing && !this.#byBid.has(s.id)) this.#map(rec, s.id);
    else this.#deps.log.debug({ call: rec.info.id }, 'callstat did not give the id: matching by peer');
    if (!rec.closed) this.#deps.emit('call.outgoing', { call: { ...rec.info } });
    if (rec.bid) this.#replay(rec);
  }

  #map(rec: CallRecord, bid: string): void {
    rec.bid = bid;
    rec.dialled = undefined;
    this.#byBid.set(bid, rec);
    rec.resolveMapped(bid);
  }

  #replay(rec: CallRecord): void {
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
    const key = this.#deps.keyOf(e.accountaor);
    for (const rec of this.#calls.values()) {
      if (!rec.bid && rec.dialled && rec.key === key && rec.dialled === e.peeruri) {
        this.#map(rec, e.id!);
        return rec;
      }
    }
    return undefined;
  }

  #incoming(e: BaresipEvent): CallRecord | undefined {
    const key = this.#deps.keyOf(e.accountaor);
    if (key === undefined) {
      this.#deps.log.warn({ aor: e.accountaor }, 'incoming call on a user agent the engine does not know: ignored');
      return undefined;
    }
    const rec = this.#record({
      id: randomUUID(),
      direction: 'incoming',
      account: key === DIRECT ? null : key,
      peer: e.peeruri ?? '',
      peerName: e.peerdisplayname ?? '',
      state: 'incoming',
      startedAt: this.#deps.clock.now(),
    });
    rec.key = key;
    rec.aor = e.accountaor!;
    this.#map(rec, e.id!);
    return rec;
  }

  #apply(rec: CallRecord, e: BaresipEvent): void {
    if (rec.closed) return;
    const info = rec.info;
    switch (e.type) {
      case 'CALL_INCOMING':
        this.#deps.emit('call.incoming', { call: { ...info } });
        break;
      case 'CALL_RINGING':
      case 'CALL_PROGRESS':
        if (info.state !== 'dialing') break;
        info.state = 'ringing';
        this.#deps.emit('call.ringing', { call: { ...info } });
        break;
      case 'CALL_ESTABLISHED':
        if (info.state === 'established') break;
        info.state = 'established';
        info.answeredAt = this.#deps.clock.now();
        this.#deps.clock.clearTimeout(rec.timer);
        this.#deps.emit('call.established', { call: { ...info } });
        break;
      case 'CALL_RTPESTAB':
        this.#deps.emit('call.media', { call: { ...info }, kind: e.param === 'video' ? 'video' : 'audio' });
        break;
      case 'CALL_DTMF_START':
        if (e.param) this.#deps.emit('call.dtmf', { call: { ...info }, digit: e.param });
        break;
      case 'CALL_CLOSED':
        this.#finish(rec, rec.localEnd ?? this.#remoteEnd(rec, e.param));
        break;
    }
  }

  #remoteEnd(rec: CallRecord, param: string | undefined): CallEnd {
    const { code, reason } = parseStatus(param);
    if (code !== undefined) return { reason, code };
    if (reason === 'Connection reset by peer')
      return { reason: rec.info.state === 'incoming' ? 'cancelled by caller' : 'remote hangup' };
    if (reason === 'Connection reset by user') return { reason: 'local hangup' };
    return { reason: reason || 'closed' };
  }

  #finish(rec: CallRecord, end: CallEnd): void {
    if (rec.closed) return;
    rec.closed = true;
    this.#deps.clock.clearTimeout(rec.timer);
    this.#calls.delete(rec.info.id);
    if (rec.bid) this.#byBid.delete(rec.bid);
    rec.resolveMapped(rec.bid);
    rec.info.state = 'closed';
    this.#deps.emit('call.closed', { call: { ...rec.info }, end });
  }

  #dialTimeout(rec: CallRecord): void {
    if (rec.closed || rec.info.state === 'established') return;
    rec.localEnd = { reason: 'dial-out timeout' };
    void this.#end(rec);
  }

  /** Ends a call through baresip; if baresip cannot (no such call, engine gone), ends it here. */
  async #end(rec: CallRecord): Promise<void> {
    try {
      await this.#command(rec, 'hangup');
    } catch (err) {
      if (rec.closed) return;
      this.#deps.log.debug({ err, call: rec.info.id }, 'hangup through baresip failed: ending the call here');
      this.#finish(rec, rec.localEnd ?? { reason: 'local hangup' });
    }
  }

  /** Selects the call in baresip, and sends `command` only if the selection was confirmed. */
  async #command(rec: CallRecord, command: string, params?: string): Promise<void> {
    const bid = rec.bid ?? (await rec.mapped);
    const ctrl = this.#deps.ctrl();
    if (!bid) throw new Error(`call ${rec.info.id} has no id in baresip (the dial failed)`);
    if (!ctrl) throw new Error('the SIP engine is not running');
    const result = await this.#deps.serial.run(async () => {
      const [, found] = ctrl.send([
        { command: 'uafind', params: rec.aor },
        { command: 'callfind', params: bid },
      ]);
      const r = await found!;
      if (!r.data.includes(`setting current call: ${bid}`)) throw new Error(`call ${rec.info.id} is gone in baresip`);
      return ctrl.send(params === undefined ? [{ command }] : [{ command, params }]);
    });
    const r = await result[0]!;
    if (!r.ok) throw new Error(`baresip ${command} failed: ${r.data.trim()}`);
  }
}
