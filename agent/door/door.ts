/**
 * The one owner of opening a door. Every opening (a DTMF code, an exit button, the HTTP API, later
 * Home Assistant, the cloud or an indoor monitor) asks `open()`: it drives the relay as its mode
 * says (monostable: a pulse for the hold time; bistable: switched on) and emits `door.opened` with
 * the method, the actor, and the established call when the opening happened during one (decided
 * here, not by the caller). It writes nothing itself: the door log, the action URLs and hang up
 * after opening listen to `door.opened`. Closing (a bistable relay switched off, a pulse ended) is
 * not an opening and emits nothing.
 */
import type { Clock, Logger } from '../../core/index.ts';
import type { RelayService, RelayState } from '../../hal/types.ts';
import type { CallInfo } from '../../sip/engine.ts';

/** How a door was opened. */
export const DOOR_METHODS = ['dtmf', 'exit-button', 'api', 'home-assistant', 'cloud', 'monitor'] as const;
export type DoorMethod = (typeof DOOR_METHODS)[number];

/** The payload of `door.opened`. */
export type DoorOpened = {
  /** 0-based index into config.relays. */
  relay: number;
  /** The relay's name. */
  name: string;
  method: DoorMethod;
  /** Who opened: the caller's URI (DTMF), the input's name (exit button), the user or token (API). */
  actor: string;
  /** The established call the door was opened during, if any. */
  call?: CallInfo;
  at: number;
};

export type OpenRequest = {
  /** 0-based index into config.relays. */
  relay: number;
  method: DoorMethod;
  actor: string;
  /** The call the opening came from (DTMF); else the owner takes the established call, if any. */
  call?: CallInfo;
};

export type CloseRequest = { relay: number; actor: string };

export interface DoorService {
  /** Opens the door of `relay`; throws (naming the relay) when it cannot be driven, and then emits nothing. */
  open(req: OpenRequest): DoorOpened;
  /** Closes it: a bistable relay is switched off, a monostable pulse ends now. No `door.opened`. */
  close(req: CloseRequest): void;
  /** A trigger as the relay's mode means it: monostable opens; bistable toggles (opens when off, closes when on). */
  trigger(req: OpenRequest): DoorOpened | undefined;
}

export type DoorDeps = {
  relays: RelayService;
  /** The calls of the SIP engine (none when it is not running). */
  calls: () => CallInfo[];
  /** The agent's bus. */
  events: { emit(event: 'door.opened', payload: DoorOpened): unknown };
  clock: Clock;
  log: Logger;
};

export class Door implements DoorService {
  #deps: DoorDeps;

  constructor(deps: DoorDeps) {
    this.#deps = deps;
  }

  open(req: OpenRequest): DoorOpened {
    const { relays, clock, log } = this.#deps;
    const state = this.#state(req.relay);
    const by = relayBy(req.method, req.actor);
    if (state.mode === 'bistable') relays.set(req.relay, true, by);
    else relays.trigger(req.relay, by);
    const call = req.call ?? this.#deps.calls().find((c) => c.state === 'established');
    const opened: DoorOpened = {
      relay: req.relay,
      name: state.name,
      method: req.method,
      actor: req.actor,
      ...(call ? { call } : {}),
      at: clock.now(),
    };
    log.info(
      { relay: state.name, method: req.method, actor: req.actor, ...(call ? { call: call.id } : {}) },
      `door opened (${state.name}) by ${req.method}`,
    );
    this.#deps.events.emit('door.opened', opened);
    return opened;
  }

  close(req: CloseRequest): void {
    this.#state(req.relay);
    this.#deps.relays.set(req.relay, false, req.actor);
  }

  trigger(req: OpenRequest): DoorOpened | undefined {
    const state = this.#state(req.relay);
    if (state.mode === 'bistable' && state.on) {
      this.close({ relay: req.relay, actor: relayBy(req.method, req.actor) });
      return undefined;
    }
    return this.open(req);
  }

  #state(relay: number): RelayState {
    const states = this.#deps.relays.states();
    const state = states[relay];
    if (!state) throw new RangeError(`no relay ${relay + 1} (there are ${states.length})`);
    if (!state.enabled) throw new Error(`relay ${relay + 1} (${state.name}) is disabled`);
    if (state.error) throw new Error(`relay ${relay + 1} (${state.name}): ${state.error}`);
    return state;
  }
}

/** What the relay's own events and log say drove it (the API's actor already reads `web:admin`, `token:...`). */
function relayBy(method: DoorMethod, actor: string): string {
  if (method === 'api') return actor;
  if (method === 'exit-button') return `input ${actor}`;
  return `${method} ${actor}`;
}
