/** The events the indoor monitor puts on the agent's bus. */
import type { CallInfo } from '../../sip/engine.ts';

/** A door of the monitor's list, as a call was matched to it (null: an unknown caller, never a door). */
export type DoorMatch = { index: number; name: string };

export type MonitorCallState = 'ringing' | 'calling' | 'established' | 'ended';

export type MonitorEvents = {
  /** A call from a door (or an unknown caller) rings on the monitor. */
  'monitor.ringing': { call: CallInfo; door: DoorMatch | null; at: number };
  /** A call of the monitor changed state: ringing, calling (a look at the door), established, ended. */
  'monitor.call': { call: CallInfo; door: DoorMatch | null; state: MonitorCallState; reason?: string; at: number };
  /** The resident opened a door's relay from the monitor (the door's own log has the opening). */
  'monitor.opened': { door: DoorMatch; relay: number; method: 'dtmf' | 'http'; callId: string; at: number };
  /** The resident opened a message of the inbox (told to the cloud as a `message` event). */
  'message.read': { id: string; at: number };
};
