/**
 * The calls as the engine tracks them: CallBook, the one entry the engine uses. baresip's `dial`
 * returns no call id, so each dial is sent with `callstat` in the same write and the id read from
 * its reply; events that come before that are kept and replayed. Every command for a call first
 * selects it (`uafind` its account, `callfind` its id) and goes only if baresip confirmed the
 * selection.
 *
 * Its parts: calls-record.ts (the records and what the parts share), calls-events.ts (baresip's
 * events mapped onto the records), calls-answer.ts (answering), calls-busy.ts (busy refusal and the
 * ringing room), calls-reconcile.ts (reconciliation with baresip's `listcalls`).
 */
import { randomUUID } from 'node:crypto';
import type { CallEnd, CallInfo } from '../engine.ts';
import { DIRECT } from './accounts.ts';
import { answer } from './calls-answer.ts';
import { CallEvents } from './calls-events.ts';
import { Reconciler, type Reconciliation } from './calls-reconcile.ts';
import { type CallBookCore, type CallBookDeps, type CallRecord, CallTable } from './calls-record.ts';
import { type BaresipEvent, type CtrlResponse, parseCallstat } from './messages.ts';

export { DEFAULT_ANSWER_TIMEOUT_MS } from './calls-answer.ts';
export { MAX_RINGING } from './calls-busy.ts';
export type { Reconciliation } from './calls-reconcile.ts';
export type { CallBookDeps } from './calls-record.ts';

/** What the engine's dial-out timeout is when the caller gives none (baresip alone waits 32 s, or forever once ringing). */
export const DEFAULT_DIAL_TIMEOUT_MS = 120_000;

export class CallBook {
  #deps: CallBookDeps;
  #table = new CallTable();
  #core: CallBookCore;
  #events: CallEvents;
  #reconciler: Reconciler;

  constructor(deps: CallBookDeps) {
    this.#deps = deps;
    this.#core = {
      deps,
      table: this.#table,
      finish: (rec, end) => this.#finish(rec, end),
      end: (rec) => this.#end(rec),
      command: (rec, command, params) => this.#command(rec, command, params),
      reconcile: (why) => this.reconcile(why),
    };
    this.#events = new CallEvents(this.#core);
    this.#reconciler = new Reconciler(this.#core);
  }

  list(): CallInfo[] {
    return [...this.#table.calls.values()].filter((r) => !r.closed).map((r) => ({ ...r.info }));
  }

  /** Places a call through the user agent `aor` (already known to exist); returns at once. */
  dial(uri: string, key: string, aor: string, timeoutMs: number): CallInfo {
    const ctrl = this.#deps.ctrl();
    if (!ctrl) throw new Error('the SIP engine is not running');
    const rec = this.#table.record({
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
  answer(id: string): Promise<void> {
    return answer(this.#core, id);
  }

  async hangup(id: string): Promise<void> {
    const rec = this.#table.calls.get(id);
    if (!rec || rec.closed) return;
    rec.localEnd ??= rec.info.state === 'incoming' ? { reason: 'rejected', code: 486 } : { reason: 'local hangup' };
    await this.#end(rec);
  }

  async reject(id: string, code: number): Promise<void> {
    const rec = this.#table.open(id);
    if (rec.info.state !== 'incoming') throw new Error(`call ${id} is not ringing here (it is ${rec.info.state})`);
    if (code !== 486)
      this.#deps.log.warn({ call: id, code }, `baresip 1.0.0 can only reject with 486: ${code} is sent as 486`);
    rec.localEnd = { reason: code === 486 ? 'rejected' : `rejected (486 sent for ${code})`, code: 486 };
    await this.#end(rec);
  }

  async sendDtmf(id: string, digits: string): Promise<void> {
    if (!/^[0-9*#A-Da-d]+$/.test(digits)) throw new Error(`"${digits}" are not DTMF digits (0-9 * # A-D)`);
    const rec = this.#table.open(id);
    if (rec.info.state !== 'established') throw new Error(`call ${id} is not established (it is ${rec.info.state})`);
    await this.#command(rec, 'sndcode', digits.toUpperCase());
  }

  async hold(id: string, on: boolean): Promise<void> {
    const rec = this.#table.open(id);
    if (rec.info.state !== 'established') throw new Error(`call ${id} is not established (it is ${rec.info.state})`);
    await this.#command(rec, on ? 'hold' : 'resume');
  }

  /** Handles a call event; returns false if it is not one. */
  onEvent(e: BaresipEvent): boolean {
    return this.#events.onEvent(e);
  }

  /**
   * Checks baresip's calls against the book and repairs (see calls-reconcile.ts). One at a time; a
   * request during a run makes one more run.
   */
  reconcile(why: string): Promise<Reconciliation> {
    return this.#reconciler.reconcile(why);
  }

  /** Ends the calls of one user agent (removed), or all of them (engine down), without asking baresip. */
  drop(key: string | undefined, reason: string): void {
    for (const rec of [...this.#table.calls.values()])
      if (key === undefined || rec.key === key) this.#finish(rec, { reason });
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
    if (s.id && s.outgoing && !this.#table.byBid.has(s.id)) this.#table.map(rec, s.id);
    else this.#deps.log.debug({ call: rec.info.id }, 'callstat did not give the id: matching by peer');
    if (!rec.closed) this.#deps.emit('call.outgoing', { call: { ...rec.info } });
    if (rec.bid) this.#events.replay(rec);
  }

  #finish(rec: CallRecord, end: CallEnd): void {
    if (rec.closed) return;
    rec.closed = true;
    this.#deps.clock.clearTimeout(rec.timer);
    this.#table.calls.delete(rec.info.id);
    if (rec.bid) this.#table.byBid.delete(rec.bid);
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
