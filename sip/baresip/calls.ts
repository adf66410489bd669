/**
 * The calls as the engine tracks them. baresip's `dial` returns no call id, so each dial is sent
 * with `callstat` in the same write and the id read from its reply; events that come before that
 * are kept and replayed. Every command for a call first selects it (`uafind` its account, `callfind`
 * its id) and goes only if baresip confirmed the selection.
 *
 * Busy: an incoming call that arrives when `maxCalls()` calls are in conversation (established, or
 * being answered) is refused with 486 at once, before the agent hears of it; when a call becomes
 * established and the limit is reached, the other incoming calls still ringing are refused too.
 * The door's own outgoing calls that ring (a group or sequence call) do not count.
 *
 * Reconciliation: baresip's own call list (`listcalls`) is checked against this book on anomalies
 * (an incoming call without a usable id, an answer baresip did not take) and periodically; calls
 * baresip holds that the book does not know are ended by their line, calls of the book baresip no
 * longer holds are closed here, and baresip is restarted if a call cannot be ended.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, Logger, TimerHandle } from '../../core/index.ts';
import type { CallEnd, CallInfo, SipEvents } from '../engine.ts';
import { DIRECT } from './accounts.ts';
import { type HeldCall, hangupLine, readHeldCalls, usableCallId } from './call-list.ts';
import type { CtrlClient } from './ctrl-client.ts';
import { type BaresipEvent, type CtrlResponse, parseCallstat, parseStatus } from './messages.ts';
import type { Serial } from './serial.ts';

/** What the engine's dial-out timeout is when the caller gives none (baresip alone waits 32 s, or forever once ringing). */
export const DEFAULT_DIAL_TIMEOUT_MS = 120_000;

/** Events of an outgoing call whose id is not known yet, kept this many at most. */
const MAX_UNMATCHED = 64;

/** How long an answered call may take to be established (the caller's ACK) before answer() fails. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 5000;

/**
 * Incoming calls ringing at once per user agent, not counting a new one: baresip 1.0.0 holds 4 calls
 * per user agent (`call_max_calls`) and refuses the next with "486 Max Calls" before the engine
 * hears of it, so a fourth ringing call makes the oldest one go (see #makeRoom).
 */
export const MAX_RINGING = 3;

/** `accept` tries for one answer: baresip 1.0.0's first `accept` can fail silently (see #accept). */
const ACCEPT_TRIES = 3;

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

/** What one reconciliation found and did. */
export type Reconciliation = {
  /** Calls baresip held that the book did not know, ended. */
  ended: HeldCall[];
  /** Calls of the book baresip no longer held, closed. */
  lost: CallInfo[];
  /** A call could not be ended: baresip is restarted. */
  stuck: boolean;
};

export class CallBook {
  #deps: CallBookDeps;
  #calls = new Map<string, CallRecord>();
  #byBid = new Map<string, CallRecord>();
  #unmatched = new Map<string, BaresipEvent[]>();
  #reconciling: Promise<Reconciliation> | undefined;
  #again = false;
  /** Ids of duplicate calls being ended: their CALL_CLOSED is not the end of the book's call of that id. */
  #endingDuplicate = new Set<string>();

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

  /**
   * Answers a ringing call and resolves once it is established (the caller's ACK came); rejects if
   * baresip did not answer it, if it ended meanwhile, or if it was not established in time.
   */
  async answer(id: string): Promise<void> {
    const rec = this.#open(id);
    if (rec.info.state !== 'incoming') throw new Error(`call ${id} is not ringing here (it is ${rec.info.state})`);
    if (rec.answering) throw new Error(`call ${id} is already being answered`);
    const max = this.#deps.maxCalls();
    const busy = this.#conversations();
    if (busy >= max) throw new Error(`busy: ${busy} call(s) in progress, the limit is ${max}`);
    rec.answering = true;
    try {
      const settled = this.#settled(rec);
      settled.catch(() => undefined);
      const retried = await this.#accept(rec);
      await settled;
      if (retried) await this.#unhold(rec);
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
  async #accept(rec: CallRecord): Promise<boolean> {
    for (let attempt = 1; attempt <= ACCEPT_TRIES; attempt++) {
      if (attempt === ACCEPT_TRIES) await this.reconcile('an answer was not taken');
      await this.#command(rec, 'accept');
      if (rec.closed) throw new Error(`call ${rec.info.id} ended while it was being answered`);
      if (rec.accepted || rec.info.state === 'established') return attempt > 1;
      this.#deps.log.warn({ call: rec.info.id, attempt }, 'baresip did not take the answer: trying again');
    }
    void this.reconcile('an answer was not taken').catch(() => undefined);
    throw new Error(`baresip did not answer call ${rec.info.id}`);
  }

  /** Resolves when the call is established; rejects when it closes or after the answer time out. */
  #settled(rec: CallRecord): Promise<void> {
    const ms = this.#deps.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    return new Promise<void>((resolve, reject) => {
      const timer = this.#deps.clock.setTimeout(
        () => done(new Error(`call ${rec.info.id} was answered but not established within ${ms} ms`)),
        ms,
      );
      const done = (err?: Error) => {
        this.#deps.clock.clearTimeout(timer);
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
  async #unhold(answered: CallRecord): Promise<void> {
    for (const rec of [...this.#calls.values()]) {
      if (rec === answered || rec.closed || rec.localEnd || rec.key !== answered.key) continue;
      if (rec.info.state !== 'incoming') continue;
      await this.#command(rec, 'resume').catch(() => undefined);
    }
  }

  /** Calls in conversation: established, or being answered. */
  #conversations(): number {
    let n = 0;
    for (const rec of this.#calls.values()) if (!rec.closed && (rec.info.state === 'established' || rec.answering)) n++;
    return n;
  }

  /**
   * Keeps baresip's room for one more incoming call on this user agent: with MAX_RINGING calls
   * already ringing there, the oldest one not being answered is refused (486). Otherwise a few
   * INVITEs nobody answers would fill baresip's limit (4 calls per user agent) and every later
   * caller would get "486 Max Calls" until the dial in time ends them.
   */
  #makeRoom(rec: CallRecord): void {
    const ringing = [...this.#calls.values()].filter(
      (r) => r !== rec && !r.closed && r.key === rec.key && r.info.state === 'incoming' && !r.answering && !r.localEnd,
    );
    if (ringing.length < MAX_RINGING) return;
    const oldest = ringing[0]!;
    oldest.localEnd = { reason: 'too many calls ringing', code: 486 };
    this.#deps.log.warn(
      { call: oldest.info.id, peer: oldest.info.peer, ringing: ringing.length + 1 },
      'too many calls ringing: refusing the oldest',
    );
    void this.#end(oldest);
  }

  /** Refuses a ringing call because the limit of calls is reached (486). */
  #refuseBusy(rec: CallRecord): void {
    rec.localEnd = { reason: 'busy', code: 486 };
    this.#deps.log.info(
      { call: rec.info.id, peer: rec.info.peer, limit: this.#deps.maxCalls() },
      'incoming call refused: busy',
    );
    void this.#end(rec);
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
    if (e.type === 'CALL_INCOMING' && !usableCallId(e.id)) {
      // baresip holds a ringing call it cannot name (a Call-ID beginning with NUL ...): end it by its line.
      this.#deps.log.warn({ peer: e.peeruri, id: e.id }, 'incoming call with an unusable Call-ID: ending it');
      void this.reconcile('an incoming call without a usable id').catch(() => undefined);
      return true;
    }
    if (!e.id) return true; // the first events of an outgoing call: nothing to do with them
    if (e.type === 'CALL_CLOSED' && this.#endingDuplicate.has(e.id)) return true;
    let rec = this.#byBid.get(e.id);
    if (rec && e.type === 'CALL_INCOMING') {
      // A second call with the same Call-ID: the book cannot tell them apart; the duplicate is ended.
      this.#deps.log.warn({ peer: e.peeruri, id: e.id }, 'incoming call with a Call-ID already in use: ending it');
      void this.reconcile('a duplicate Call-ID').catch(() => undefined);
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
    const result: Reconciliation = { ended: [], lost: [], stuck: false };
    const ctrl = this.#deps.ctrl();
    if (!ctrl) return result;
    const aors = this.#deps.aors();
    const lost: CallRecord[] = [];
    await this.#deps.serial.run(async () => {
      const held = await readHeldCalls(ctrl, aors);
      for (const [aor, calls] of held) {
        const seen = new Set<string>();
        const dialling = [...this.#calls.values()].some((r) => !r.closed && !r.bid && r.aor === aor);
        const unknown: HeldCall[] = [];
        for (const c of calls) {
          const rec = c.id ? this.#byBid.get(c.id) : undefined;
          const duplicate = c.id !== undefined && seen.has(c.id);
          if (c.id) seen.add(c.id);
          if (rec && !duplicate && rec.aor === aor) continue;
          // An outgoing call whose id the book is about to learn (its dial's reply is on its way).
          if (!duplicate && c.outgoing && usableCallId(c.id) && dialling) continue;
          unknown.push(c);
        }
        for (const c of unknown) {
          this.#deps.log.warn(
            { aor, line: c.line, id: c.id, state: c.state, peer: c.peer, why },
            'baresip holds a call the engine does not know: ending it',
          );
          // Its CALL_CLOSED comes before the reply, and names the id of a call the book may hold.
          const duplicate = usableCallId(c.id) && this.#byBid.has(c.id);
          if (duplicate) this.#endingDuplicate.add(c.id!);
          try {
            await hangupLine(ctrl, aor, c.line);
          } finally {
            if (duplicate) this.#endingDuplicate.delete(c.id!);
          }
          result.ended.push(c);
        }
        if (unknown.length) {
          const again = (await readHeldCalls(ctrl, [aor])).get(aor) ?? [];
          const left = unknown.filter((u) => again.some((c) => c.line === u.line && c.id === u.id));
          if (left.length) result.stuck = true;
        }
        for (const rec of this.#calls.values())
          if (!rec.closed && rec.bid && rec.aor === aor && !seen.has(rec.bid)) lost.push(rec);
      }
    });
    for (const rec of lost) {
      if (rec.closed) continue;
      this.#deps.log.warn({ call: rec.info.id, why }, 'baresip no longer holds this call: closing it');
      result.lost.push({ ...rec.info });
      this.#finish(rec, rec.localEnd ?? { reason: 'lost by the SIP engine' });
    }
    if (result.stuck) this.#deps.restart('baresip holds a call it does not end');
    return result;
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
      ...(this.#deps.sourceOf ? { source: this.#deps.sourceOf(e.id!) } : {}),
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
        if (this.#conversations() >= this.#deps.maxCalls()) {
          rec.silent = true;
          this.#refuseBusy(rec);
          break;
        }
        this.#makeRoom(rec);
        this.#deps.emit('call.incoming', { call: { ...info } });
        break;
      case 'CALL_LOCAL_SDP':
        if (info.direction === 'incoming') rec.accepted = true;
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
        rec.onSettled?.();
        if (this.#conversations() >= this.#deps.maxCalls())
          for (const other of [...this.#calls.values()])
            if (!other.closed && other.info.state === 'incoming' && !other.answering && !other.localEnd)
              this.#refuseBusy(other);
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
    rec.onSettled?.(new Error(`call ${rec.info.id} ended: ${end.reason}`));
    if (!rec.silent) this.#deps.emit('call.closed', { call: { ...rec.info }, end });
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

  /**
   * Selects the call in baresip, and sends `command` only if the selection was confirmed. The
   * command goes in one write with the selection again: an INVITE arriving between the two writes
   * becomes baresip's current call, and a command written alone would act on it.
   */
  async #command(rec: CallRecord, command: string, params?: string): Promise<void> {
    const bid = rec.bid ?? (await rec.mapped);
    const ctrl = this.#deps.ctrl();
    if (!bid) throw new Error(`call ${rec.info.id} has no id in baresip (the dial failed)`);
    if (!ctrl) throw new Error('the SIP engine is not running');
    const select = [
      { command: 'uafind', params: rec.aor },
      { command: 'callfind', params: bid },
    ];
    const selected = (r: CtrlResponse) => r.data.includes(`setting current call: ${bid}`);
    const result = await this.#deps.serial.run(async () => {
      const [, found] = ctrl.send(select);
      if (!selected(await found!)) throw new Error(`call ${rec.info.id} is gone in baresip`);
      return ctrl.send([...select, params === undefined ? { command } : { command, params }]);
    });
    if (!selected(await result[1]!)) {
      this.#deps.log.error({ call: rec.info.id, command }, 'the call went in baresip just before a command');
      void this.reconcile('a command without its call').catch(() => undefined);
      throw new Error(`call ${rec.info.id} is gone in baresip`);
    }
    const r = await result[2]!;
    if (!r.ok) throw new Error(`baresip ${command} failed: ${r.data.trim()}`);
  }
}
