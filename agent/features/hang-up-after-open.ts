/**
 * Hang up after opening the door: when the door is opened during a call by the configured unlock
 * method, that call ends after the configured time out. The door owner says which call it was.
 */
import { DOOR_METHODS, type DoorMethod } from '../door/door.ts';
import { Feature } from './support/feature.ts';

/** The unlock types of the setting, and the opening methods each covers. */
const COVERS: Record<string, readonly DoorMethod[]> = {
  dtmf: ['dtmf'],
  api: ['api', 'home-assistant', 'cloud', 'monitor'],
  input: ['exit-button'],
  any: DOOR_METHODS,
};

export class HangUpAfterOpen extends Feature {
  readonly name = 'hang-up-after-open';

  protected subscribe(): void {
    this.on('door.opened', (e) => {
      const s = this.config.intercom.hangUpAfterOpen;
      const call = e.call;
      if (!s.enabled || !call || !COVERS[s.type]?.includes(e.method)) return;
      this.log.info({ call: call.id, in: s.timeout }, 'door opened during the call: hanging up after the time out');
      this.after(s.timeout * 1000, () => {
        if (this.deps.sip.calls().some((c) => c.id === call.id))
          this.attempt('hang up after opening the door', this.deps.sip.hangup(call.id));
      });
    });
  }
}
