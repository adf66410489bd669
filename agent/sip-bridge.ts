/** Forwards the SIP engine's events onto the agent bus, under the bus's names. */
import type { TypedEmitter } from '../core/index.ts';
import { SIP_EVENTS, type SipEvents } from '../sip/index.ts';
import type { Bus } from './bus.ts';

/** Call events keep their names on the bus. */
const CALL_EVENTS = SIP_EVENTS.filter((e) => e.startsWith('call.')) as Extract<
  (typeof SIP_EVENTS)[number],
  `call.${string}`
>[];

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
