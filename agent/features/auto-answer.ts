/**
 * Auto-answer, separately for SIP calls (on an account) and IP calls (direct): after the delay, in
 * audio or video mode, and only for allowed callers (`support/callers.ts`). Any other caller rings
 * as an ordinary incoming call (ended at the dial in time), or is rejected at once when
 * `callFeature.callers.others` is `reject`.
 */
import { dndActive } from './dnd.ts';
import { callerAllowed } from './support/callers.ts';
import { Feature } from './support/feature.ts';

export class AutoAnswer extends Feature {
  readonly name = 'auto-answer';

  protected subscribe(): void {
    this.on('call.incoming', ({ call }) => {
      const config = this.config;
      if (dndActive(config, call.account, this.deps.clock.now())) return;
      const verdict = callerAllowed(config, call);
      if (!verdict.allowed) {
        const caller = { call: call.id, peer: call.peer, name: call.peerName, source: call.source };
        if (config.callFeature.callers.others === 'reject') {
          this.log.warn(caller, 'incoming call from a caller who is not allowed: rejected');
          this.attempt('reject', this.deps.sip.reject(call.id, 486));
        } else this.log.warn(caller, 'incoming call from a caller who is not allowed: ringing, not auto-answered');
        return;
      }
      const s = call.account === null ? config.callFeature.autoAnswerIp : config.callFeature.autoAnswerSip;
      if (!s.enabled) return;
      const answer = () => {
        const still = this.deps.sip.calls().find((c) => c.id === call.id);
        if (still?.state !== 'incoming') return;
        this.log.info({ call: call.id, peer: call.peer, mode: s.mode, allowed: verdict.why }, 'auto-answer');
        this.attempt('auto-answer', this.deps.sip.answer(call.id, { video: s.mode === 'video' }));
      };
      if (s.delay === 0) answer();
      else this.after(s.delay * 1000, answer);
    });
  }
}
