/**
 * Hang up after opening the door: when the door is opened during a call by the configured unlock
 * method, the call ends after the configured time out.
 */
import type { AgentEvents } from '../bus.ts';
import { Feature } from './support/feature.ts';

type Method = AgentEvents['door.opened']['method'];

/** The unlock types of the setting, and the opening methods each covers. */
const COVERS: Record<string, Method[]> = {
  dtmf: ['dtmf'],
  api: ['api', 'cloud'],
  input: ['input'],
  any: ['dtmf', 'api', 'cloud', 'input'],
};

export class HangUpAfterOpen extends Feature {
  readonly name = 'hang-up-after-open';

  protected subscribe(): void {
    this.on('door.opened', (e) => {
      const s = this.config.intercom.hangUpAfterOpen;
      if (!s.enabled || !COVERS[s.type]?.includes(e.method)) return;
      const calls = e.call ? [e.call] : this.deps.sip.calls().filter((c) => c.state === 'established');
      for (const call of calls) {
        this.log.info({ call: call.id, in: s.timeout }, 'door opened during the call: hanging up after the time out');
        this.after(s.timeout * 1000, () => {
          if (this.deps.sip.calls().some((c) => c.id === call.id))
            this.attempt('hang up after opening the door', this.deps.sip.hangup(call.id));
        });
      }
    });
  }
}
