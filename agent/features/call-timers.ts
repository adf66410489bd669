/**
 * Max call time, dial in time and dial out time: every call ends at the max call time; an
 * incoming call not answered within the dial in time ends; an outgoing call not answered within
 * the dial out time is cancelled.
 */
import type { TimerHandle } from '../../core/index.ts';
import type { CallInfo } from '../../sip/engine.ts';
import { Feature } from './support/feature.ts';

export class CallTimers extends Feature {
  readonly name = 'call-timers';
  #timers = new Map<string, TimerHandle>();

  protected subscribe(): void {
    this.on('call.incoming', ({ call }) => this.#arm(call, this.config.intercom.dialInTime * 1000, 'dial in time'));
    this.on('call.outgoing', ({ call }) => this.#arm(call, this.config.intercom.dialOutTime * 1000, 'dial out time'));
    this.on('call.established', ({ call }) =>
      this.#arm(call, this.config.intercom.maxCallTime * 60_000, 'max call time'),
    );
    this.on('call.closed', ({ call }) => {
      this.cancel(this.#timers.get(call.id));
      this.#timers.delete(call.id);
    });
  }

  #arm(call: CallInfo, ms: number, what: string): void {
    this.cancel(this.#timers.get(call.id));
    this.#timers.set(
      call.id,
      this.after(ms, () => {
        this.#timers.delete(call.id);
        this.log.info({ call: call.id, peer: call.peer }, `${what} reached: ending the call`);
        this.attempt(what, this.deps.sip.hangup(call.id));
      }),
    );
  }
}
