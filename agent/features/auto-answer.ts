/** Auto-answer, separately for SIP calls (on an account) and IP calls (direct): after the delay, in audio or video mode. */
import { dndActive } from './dnd.ts';
import { Feature } from './support/feature.ts';

export class AutoAnswer extends Feature {
  readonly name = 'auto-answer';

  protected subscribe(): void {
    this.on('call.incoming', ({ call }) => {
      const config = this.config;
      const s = call.account === null ? config.callFeature.autoAnswerIp : config.callFeature.autoAnswerSip;
      if (!s.enabled || dndActive(config, call.account, this.deps.clock.now())) return;
      const answer = () => {
        const still = this.deps.sip.calls().find((c) => c.id === call.id);
        if (still?.state !== 'incoming') return;
        this.log.info({ call: call.id, peer: call.peer, mode: s.mode }, 'auto-answer');
        this.attempt('auto-answer', this.deps.sip.answer(call.id, { video: s.mode === 'video' }));
      };
      if (s.delay === 0) answer();
      else this.after(s.delay * 1000, answer);
    });
  }
}
