/** Push to hang up: a press of the push button during a call ends it, except within the hold time after it started. */
import { Feature } from './support/feature.ts';

export class PushToHangUp extends Feature {
  readonly name = 'push-to-hang-up';

  protected subscribe(): void {
    this.on('input.changed', (e) => {
      if (e.role !== 'push-button' || !e.active) return;
      const { enabled, holdTime } = this.config.intercom.pushToHangUp;
      if (!enabled) return;
      const now = this.deps.clock.now();
      for (const call of this.deps.sip.calls()) {
        if (call.state === 'closed') continue;
        if (now - call.startedAt < holdTime * 1000) {
          this.log.info({ call: call.id }, 'push to hang up: within the hold time, the call goes on');
          continue;
        }
        this.log.info({ call: call.id }, 'push to hang up');
        this.attempt('push to hang up', this.deps.sip.hangup(call.id));
      }
    });
  }
}
