/**
 * Rings a list of numbers for one press of the push button: all at once (group call: the first to
 * answer wins, the others are cancelled) or one after another (sequence call, each for the
 * sequence timeout). "When refused" decides whether a refusal (busy, declined) ends the whole
 * attempt or the other numbers go on ringing.
 */
import type { Clock, Logger, TimerHandle } from '../../../core/index.ts';
import type { CallEnd, CallInfo, SipEngine } from '../../../sip/engine.ts';
import type { Bus } from '../../bus.ts';

/** SIP codes that mean the callee refused (as opposed to not answering or not existing). */
export const REFUSAL_CODES = new Set([486, 600, 603]);

export type RingTarget = { target: string; account?: string };

export type RingOptions = {
  targets: RingTarget[];
  mode: 'group' | 'sequence';
  whenRefused: 'call-next' | 'stop';
  /** Sequence call: how long each number rings before the next. */
  sequenceTimeoutMs: number;
};

export type RingOutcome = { answered?: CallInfo; reason: string };

type Deps = { sip: SipEngine; bus: Bus; clock: Clock; log: Logger };

export class Ringer {
  readonly legs = new Map<string, RingTarget>();
  #deps: Deps;
  #opts: RingOptions;
  #next = 0;
  #winner: CallInfo | undefined;
  #done = false;
  #timer: TimerHandle | undefined;
  #offs: (() => void)[] = [];
  #onConnected: (call: CallInfo) => void;
  #onEnded: (o: RingOutcome) => void;

  constructor(
    deps: Deps,
    opts: RingOptions,
    on: { connected: (call: CallInfo) => void; ended: (o: RingOutcome) => void },
  ) {
    this.#deps = deps;
    this.#opts = opts;
    this.#onConnected = on.connected;
    this.#onEnded = on.ended;
  }

  get answered(): CallInfo | undefined {
    return this.#winner;
  }

  get done(): boolean {
    return this.#done;
  }

  start(): void {
    const { bus } = this.#deps;
    this.#offs.push(
      bus.on('call.established', ({ call }) => this.#established(call)),
      bus.on('call.closed', ({ call, end }) => this.#closed(call, end)),
    );
    if (this.#opts.targets.length === 0) {
      this.#finish('nothing to call');
      return;
    }
    if (this.#opts.mode === 'group') for (const t of this.#opts.targets) this.#dial(t);
    else this.#dialNext();
  }

  /** Ends every leg (push to hang up, a stop, a new config). */
  cancel(reason: string): void {
    if (this.#done) return;
    this.#hangupAll();
    this.#finish(reason);
  }

  #dial(t: RingTarget): void {
    try {
      const call = this.#deps.sip.dial(t.target, t.account ? { account: t.account } : {});
      this.legs.set(call.id, t);
    } catch (err) {
      this.#deps.log.warn({ err, target: t.target }, 'could not dial');
    }
  }

  #dialNext(): void {
    while (this.#next < this.#opts.targets.length && this.legs.size === 0) {
      this.#dial(this.#opts.targets[this.#next++]!);
    }
    if (this.legs.size === 0) {
      this.#finish('no one answered');
      return;
    }
    const [id] = this.legs.keys();
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#deps.log.info({ call: id }, 'sequence timeout: calling the next number');
      this.#hangup(id!);
    }, this.#opts.sequenceTimeoutMs);
  }

  #established(call: CallInfo): void {
    if (this.#done || this.#winner || !this.legs.has(call.id)) return;
    this.#winner = call;
    this.#deps.clock.clearTimeout(this.#timer);
    for (const id of this.legs.keys()) if (id !== call.id) this.#hangup(id);
    this.#onConnected(call);
  }

  #closed(call: CallInfo, end: CallEnd): void {
    if (this.#done || !this.legs.delete(call.id)) return;
    if (this.#winner?.id === call.id) {
      this.#finish(end.reason);
      return;
    }
    if (this.#winner) return; // a cancelled loser
    const refused = end.code !== undefined && REFUSAL_CODES.has(end.code);
    if (refused && this.#opts.whenRefused === 'stop') {
      this.#hangupAll();
      this.#finish(`refused by ${call.peer} (${end.reason}); not calling the others`);
      return;
    }
    if (this.#opts.mode === 'sequence') {
      this.#deps.clock.clearTimeout(this.#timer);
      this.#dialNext();
    } else if (this.legs.size === 0) {
      this.#finish('no one answered');
    }
  }

  #hangup(id: string): void {
    this.#deps.sip.hangup(id).catch((err) => this.#deps.log.warn({ err, call: id }, 'hangup failed'));
  }

  #hangupAll(): void {
    for (const id of this.legs.keys()) this.#hangup(id);
  }

  #finish(reason: string): void {
    if (this.#done) return;
    this.#done = true;
    this.#deps.clock.clearTimeout(this.#timer);
    for (const off of this.#offs.splice(0)) off();
    this.#onEnded({ answered: this.#winner, reason });
  }
}
