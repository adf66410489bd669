/**
 * The agent's bus events as 2N's log names them (HTTP API manual, /api/log/subscribe event table):
 * KeyPressed (`%1`: the first push button, as 2N names quick dial buttons), InputChanged,
 * DoorStateChanged (a door contact), SwitchStateChanged, CallStateChanged,
 * RegistrationStateChanged, DeviceState; DoorOpened is Portier's (2N has no such event): who opened
 * which switch, and how. Each is `{id, tzShift, utcTime, upTime, event, params}`.
 */
import type { FeedEvent } from '../../events/index.ts';

export const TWO_N_EVENTS = [
  'KeyPressed',
  'InputChanged',
  'DoorStateChanged',
  'SwitchStateChanged',
  'CallStateChanged',
  'RegistrationStateChanged',
  'DeviceState',
  'DoorOpened',
] as const;
export type TwoNEventName = (typeof TWO_N_EVENTS)[number];

/** The bus events each 2N event comes from (what a subscription listens to). */
export const BUS_EVENTS: Record<TwoNEventName, string[]> = {
  KeyPressed: ['intercom.press'],
  InputChanged: ['input.changed'],
  DoorStateChanged: ['input.changed'],
  SwitchStateChanged: ['relay.changed'],
  CallStateChanged: ['call.incoming', 'call.outgoing', 'call.ringing', 'call.established', 'call.closed'],
  RegistrationStateChanged: ['sip.registration'],
  DeviceState: ['agent.started'],
  DoorOpened: ['door.opened'],
};

export type TwoNEvent = {
  id: number;
  tzShift: 0;
  utcTime: number;
  upTime: number;
  event: TwoNEventName;
  params: Record<string, unknown>;
};

type Call = { id: string; direction: string; peer: string; account: string | null };

const CALL_STATES: Record<string, string> = {
  'call.incoming': 'ringing',
  'call.outgoing': 'connecting',
  'call.ringing': 'ringing',
  'call.established': 'connected',
  'call.closed': 'terminated',
};

const REGISTRATION: Record<string, string> = {
  registered: 'registered',
  registering: 'registering',
  unregistered: 'unregistered',
  failed: 'registrationFailed',
};

/**
 * The 2N events of one bus event (none, one or two). `session` numbers a call as 2N does;
 * `startedAt` is the agent's start (epoch ms), for `upTime`.
 */
export function toTwoN(e: FeedEvent, session: (callId: string) => number, startedAt: number): TwoNEvent[] {
  const d = e.data as Record<string, unknown>;
  const make = (event: TwoNEventName, params: Record<string, unknown>): TwoNEvent => ({
    id: e.id,
    tzShift: 0,
    utcTime: Math.floor(e.at / 1000),
    upTime: Math.max(0, Math.round((e.at - startedAt) / 1000)),
    event,
    params,
  });
  switch (e.event) {
    case 'intercom.press':
      return [make('KeyPressed', { key: '%1' })];
    case 'input.changed': {
      const out = [make('InputChanged', { port: `input${Number(d.index) + 1}`, state: !!d.active })];
      if (d.role === 'door-contact') out.push(make('DoorStateChanged', { state: d.active ? 'opened' : 'closed' }));
      return out;
    }
    case 'relay.changed':
      return [make('SwitchStateChanged', { switch: Number(d.index) + 1, state: !!d.on })];
    case 'sip.registration':
      return [
        make('RegistrationStateChanged', {
          sipAccount: Number(d.account),
          state: REGISTRATION[String(d.state)] ?? String(d.state),
        }),
      ];
    case 'agent.started':
      return [make('DeviceState', { state: 'startup' })];
    case 'door.opened':
      return [make('DoorOpened', { switch: Number(d.relay) + 1, name: d.name, method: d.method, actor: d.actor })];
    default: {
      const state = CALL_STATES[e.event];
      if (!state) return [];
      const call = d.call as Call;
      return [
        make('CallStateChanged', {
          direction: call.direction === 'incoming' ? 'incoming' : 'outgoing',
          state,
          peer: call.peer,
          session: session(call.id),
          call: 1,
        }),
      ];
    }
  }
}
