/**
 * The agent's typed event bus. Each part adds the events it emits here; listeners added by a
 * module are removed when it stops.
 */
import { TypedEmitter } from '../core/index.ts';
import type { InputAlarm, InputChanged, RelayChanged } from '../hal/types.ts';
import type { CallInfo, Registration, SipEvents } from '../sip/engine.ts';
import type { CloudEvents } from './cloud/bus-events.ts';
import type { ConfigChange } from './config/index.ts';
import type { DoorOpened } from './door/door.ts';
import type { FirmwareUpdate } from './firmware/updater.ts';
import type { MonitorEvents } from './monitor/events.ts';

export type AgentEvents = {
  'config.changed': ConfigChange;
  // HAL
  'relay.changed': RelayChanged;
  'input.changed': InputChanged;
  'input.alarm': InputAlarm;
  // SIP engine (forwarded as they come)
  'sip.registration': Registration;
  'call.incoming': SipEvents['call.incoming'];
  'call.outgoing': SipEvents['call.outgoing'];
  'call.ringing': SipEvents['call.ringing'];
  'call.established': SipEvents['call.established'];
  'call.media': SipEvents['call.media'];
  'call.dtmf': SipEvents['call.dtmf'];
  'call.closed': SipEvents['call.closed'];
  'sip.engine': { state: 'ready' | 'down'; reason?: string; restarts?: number };
  // Door: every opening, from its one owner (agent/door)
  'door.opened': DoorOpened;
  // Call features
  /**
   * A press of the push button, as the push button feature took it: `startedCall` when it placed a
   * call (then `id` is that of its `intercom.call` events), false during a call (push to hang up decides)
   * or with nothing to call.
   */
  'intercom.press': { input: number; name: string; startedCall: boolean; id?: string; at: number };
  /** A press of the push button and the calls it made: calling, connected (answered), ended. */
  'intercom.call': {
    id: string;
    input: number;
    state: 'calling' | 'connected' | 'ended';
    numbers: string[];
    call?: CallInfo;
    reason?: string;
    at: number;
  };
  'dnd.changed': { account: string; on: boolean; at: number };
  'paging.started': { address: string; port: number; label: string; at: number };
  'paging.ended': { address: string; port: number; label: string; reason: string; at: number };
  // Cloud link (agent/cloud): link state, job progress, messages for the inbox
  'cloud.link': CloudEvents['cloud.link'];
  'cloud.job': CloudEvents['cloud.job'];
  'message.received': CloudEvents['message.received'];
  // Indoor monitor (agent/monitor): door calls ringing, their states, openings, messages read
  'monitor.ringing': MonitorEvents['monitor.ringing'];
  'monitor.call': MonitorEvents['monitor.call'];
  'monitor.opened': MonitorEvents['monitor.opened'];
  'message.read': MonitorEvents['message.read'];
  // Firmware updates (agent/firmware): every step and percent of the update in progress
  'firmware.update': FirmwareUpdate;
  'agent.started': { at: number };
  'agent.stopping': { at: number };
};

export class Bus extends TypedEmitter<AgentEvents> {}
