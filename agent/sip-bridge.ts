/** Forwards the SIP engine's events onto the agent bus, under the bus's names. */
import type { TypedEmitter } from '../core/index.ts';
import type { SipEvents } from '../sip/engine.ts';
import type { Bus } from './bus.ts';

const CALL_EVENTS = [
  'call.incoming',
  'call.outgoing',
  'call.ringing',
  'call.established',
  'call.media',
  'call.dtmf',
  'call.closed',
] as const;

/** Returns the function that stops forwarding. */
export function forwardSipEvents(events: TypedEmitter<SipEvents>, bus: Bus): () => void {
  const offs = [
    events.on('registration', (r) => bus.emit('sip.registration', r)),
    events.on('engine.ready', (e) => bus.emit('sip.engine', { state: 'ready', restarts: e.restarts })),
    events.on('engine.down', (e) => bus.emit('sip.engine', { state: 'down', reason: e.reason })),
    ...CALL_EVENTS.map((name) => events.on(name, (p) => bus.emit(name, p as never))),
  ];
  return () => {
    for (const off of offs) off();
  };
}
