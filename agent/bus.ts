/**
 * The agent's typed event bus. Each part adds the events it emits here; listeners added by a
 * module are removed when it stops.
 */
import { TypedEmitter } from '../core/index.ts';
import type { InputAlarm, InputChanged, RelayChanged } from '../hal/types.ts';
import type { CallInfo, Registration, SipEvents } from '../sip/engine.ts';
import type { ConfigChange } from './config/index.ts';

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
  // Door
  'door.opened': {
    /** 0-based index into config.relays. */
    relay: number;
    name: string;
    method: 'dtmf' | 'api' | 'input' | 'cloud';
    call?: CallInfo;
    by: string;
    at: number;
  };
  // Call features
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
  'agent.started': { at: number };
  'agent.stopping': { at: number };
};

export class Bus extends TypedEmitter<AgentEvents> {}
