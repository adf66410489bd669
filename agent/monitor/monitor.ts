/**
 * The indoor monitor: the resident's side of the door phones. A call from a door rings (the
 * `monitor.ringing` event, the ringtone), shown as that door of the list or as an unknown caller;
 * the resident answers, declines or hangs up, and during an established call with a door opens its
 * relays (the relay's DTMF code sent on the call, or the door's HTTP API). The resident can call a
 * door to look at the entrance, and set Do Not Disturb (`monitor.dnd`: the call features' DND rejects,
 * see `dndActive`). DND, auto-answer and the call timers are the call features' (agent/features).
 */
import type { Clock, Logger, Module, TimerHandle } from '../../core/index.ts';
import type { CallInfo, SipEngine } from '../../sip/engine.ts';
import type { Bus } from '../bus.ts';
import type { ConfigStore } from '../config/index.ts';
import { DOOR_RELAYS, doorRelays } from '../config/index.ts';
import { dndActive } from '../features/index.ts';
import { type DoorView, dialTarget, doorName, enabledDoors, matchDoor } from './doors.ts';
import type { DoorMatch } from './events.ts';
import type { HttpUnlock } from './http-unlock.ts';
import type { Inbox, MessageView } from './inbox.ts';
import type { Ringer } from './ringer.ts';

/** Errors the API maps to its codes: what was asked does not exist, or cannot be done now. */
export class MonitorError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

export type MonitorCall = { call: CallInfo; door: DoorMatch | null; relays: DoorView['relays'] };

export type MonitorState = {
  dnd: boolean;
  doors: DoorView[];
  calls: MonitorCall[];
  unread: number;
};

export interface MonitorService {
  state(): MonitorState;
  answer(callId: string): Promise<MonitorCall>;
  decline(callId: string): Promise<void>;
  hangup(callId: string): Promise<void>;
  /** Opens relay `relay` (1-based) of the door of an established call. */
  open(
    callId: string,
    relay: number,
    actor: string,
  ): Promise<{ door: DoorMatch; relay: number; method: 'dtmf' | 'http' }>;
  /** Calls door `door` (1-based) to look at the entrance. */
  look(door: number): MonitorCall;
  setDnd(on: boolean, source: string): Promise<boolean>;
  messages(): MessageView[];
  markRead(id: string): Promise<MessageView>;
}

export type MonitorDeps = {
  config: ConfigStore;
  bus: Bus;
  clock: Clock;
  log: Logger;
  sip: SipEngine;
  ringer: Ringer;
  inbox: Inbox;
  httpUnlock: HttpUnlock;
};

const DECLINE_CODE = 603;

export class Monitor implements Module, MonitorService {
  readonly name = 'monitor';
  #deps: MonitorDeps;
  #doors = new Map<string, DoorMatch | null>();
  #offs: (() => void)[] = [];
  #ringTimer: TimerHandle | undefined;

  constructor(deps: MonitorDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    const { bus } = this.#deps;
    await this.#deps.inbox.start();
    this.#offs.push(
      bus.on('call.incoming', ({ call }) => this.#incoming(call)),
      bus.on('call.outgoing', ({ call }) => this.#emit(call, 'calling')),
      bus.on('call.established', ({ call }) => {
        this.#stopRinging(call.id);
        this.#emit(call, 'established');
      }),
      bus.on('call.closed', ({ call, end }) => {
        this.#stopRinging(call.id);
        this.#emit(call, 'ended', end.reason);
        this.#doors.delete(call.id);
      }),
    );
  }

  async stop(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
    this.#deps.ringer.stop();
    if (this.#ringTimer) this.#deps.clock.clearTimeout(this.#ringTimer);
    this.#deps.inbox.stop();
  }

  #incoming(call: CallInfo): void {
    const { config, clock, log, bus } = this.#deps;
    const c = config.get();
    const door = matchDoor(c, call);
    this.#doors.set(call.id, door);
    if (dndActive(c, call.account, clock.now())) {
      log.info({ call: call.id, door: door?.name ?? null, peer: call.peer }, 'DND: the call does not ring');
      return;
    }
    log.info(
      { call: call.id, door: door?.name ?? null, peer: call.peer, source: call.source },
      door ? `ringing: ${door.name}` : 'ringing: an unknown caller',
    );
    bus.emit('monitor.ringing', { call, door, at: clock.now() });
    this.#emit(call, 'ringing');
    this.#deps.ringer.start(door?.name ?? 'unknown caller');
    const timeout = c.monitor.ringTimeout;
    if (timeout > 0) {
      if (this.#ringTimer) clock.clearTimeout(this.#ringTimer);
      this.#ringTimer = clock.setTimeout(() => this.#deps.ringer.stop(), timeout * 1000);
    }
  }

  #stopRinging(_callId: string): void {
    if (this.#deps.sip.calls().some((c) => c.state === 'incoming' && c.id !== _callId)) return;
    this.#deps.ringer.stop();
    if (this.#ringTimer) this.#deps.clock.clearTimeout(this.#ringTimer);
    this.#ringTimer = undefined;
  }

  #doorOf(call: CallInfo): DoorMatch | null {
    if (!this.#doors.has(call.id)) this.#doors.set(call.id, matchDoor(this.#deps.config.get(), call));
    return this.#doors.get(call.id) ?? null;
  }

  #emit(call: CallInfo, state: 'ringing' | 'calling' | 'established' | 'ended', reason?: string): void {
    this.#deps.bus.emit('monitor.call', {
      call,
      door: this.#doorOf(call),
      state,
      ...(reason ? { reason } : {}),
      at: this.#deps.clock.now(),
    });
  }

  #view(call: CallInfo): MonitorCall {
    const door = this.#doorOf(call);
    const d = door ? this.#deps.config.get().monitor.doors[door.index] : undefined;
    const relays = d ? (enabledDoors(this.#deps.config.get()).find((x) => x.index === door!.index)?.relays ?? []) : [];
    return { call, door, relays: d?.enabled ? relays : [] };
  }

  #call(id: string): CallInfo {
    const call = this.#deps.sip.calls().find((c) => c.id === id);
    if (!call || call.state === 'closed') throw new MonitorError('not_found', `no call ${id} in progress`);
    return call;
  }

  state(): MonitorState {
    const c = this.#deps.config.get();
    return {
      dnd: c.monitor.dnd,
      doors: enabledDoors(c),
      calls: this.#deps.sip
        .calls()
        .filter((x) => x.state !== 'closed')
        .map((x) => this.#view(x)),
      unread: this.#deps.inbox.unread(),
    };
  }

  async answer(callId: string): Promise<MonitorCall> {
    const call = this.#call(callId);
    if (call.direction !== 'incoming' || call.state !== 'incoming')
      throw new MonitorError('conflict', `call ${callId} is not ringing (${call.state})`);
    await this.#engine('answer', this.#deps.sip.answer(callId));
    return this.#view(this.#call(callId));
  }

  async decline(callId: string): Promise<void> {
    const call = this.#call(callId);
    if (call.direction !== 'incoming' || call.state !== 'incoming')
      throw new MonitorError('conflict', `call ${callId} is not ringing (${call.state}): hang up instead`);
    this.#deps.log.info({ call: callId, door: this.#doorOf(call)?.name ?? null }, 'the resident declines the call');
    await this.#engine('decline', this.#deps.sip.reject(callId, DECLINE_CODE));
  }

  async hangup(callId: string): Promise<void> {
    this.#call(callId);
    await this.#engine('hang up', this.#deps.sip.hangup(callId));
  }

  async open(callId: string, relay: number, actor: string) {
    const call = this.#call(callId);
    if (call.state !== 'established') throw new MonitorError('conflict', `call ${callId} is not answered yet`);
    const door = this.#doorOf(call);
    if (!door) throw new MonitorError('conflict', 'the caller is not a door of the list: there is nothing to open');
    const d = this.#deps.config.get().monitor.doors[door.index]!;
    const r = doorRelays(d)[relay - 1];
    const letter = DOOR_RELAYS[relay - 1];
    if (!r || r.unlock === 'none')
      throw new MonitorError('not_found', `${door.name} has no relay ${letter ?? relay} to open`);
    const log = this.#deps.log;
    if (r.unlock === 'dtmf') {
      log.info({ call: callId, door: door.name, relay: letter, actor }, 'open: sending the DTMF code');
      await this.#engine('send the code', this.#deps.sip.sendDtmf(callId, r.code));
    } else {
      log.info({ call: callId, door: door.name, relay: letter, actor }, "open: calling the door's API");
      try {
        await this.#deps.httpUnlock({ apiUrl: d.apiUrl, token: d.apiToken, relay });
      } catch (err) {
        throw new MonitorError('conflict', (err as Error).message);
      }
    }
    const method = r.unlock;
    this.#deps.bus.emit('monitor.opened', { door, relay, method, callId, at: this.#deps.clock.now() });
    return { door, relay, method };
  }

  look(index: number): MonitorCall {
    const c = this.#deps.config.get();
    const d = c.monitor.doors[index - 1];
    if (!d?.enabled || !d.address) throw new MonitorError('not_found', `no door ${index} in the list`);
    const call = this.#deps.sip.dial(dialTarget(d), { timeoutMs: c.intercom.dialOutTime * 1000 });
    this.#doors.set(call.id, { index: index - 1, name: doorName(d, index - 1) });
    this.#deps.log.info({ call: call.id, door: doorName(d, index - 1) }, 'the resident calls the door');
    return this.#view(call);
  }

  async setDnd(on: boolean, source: string): Promise<boolean> {
    await this.#deps.config.apply({ monitor: { dnd: on } }, source);
    return this.#deps.config.get().monitor.dnd;
  }

  messages(): MessageView[] {
    return this.#deps.inbox.list();
  }

  async markRead(id: string): Promise<MessageView> {
    const m = await this.#deps.inbox.markRead(id);
    if (!m) throw new MonitorError('not_found', `no message ${id} in the inbox`);
    return m;
  }

  async #engine(what: string, p: Promise<void>): Promise<void> {
    try {
      await p;
    } catch (err) {
      throw new MonitorError('conflict', `${what}: ${(err as Error).message}`);
    }
  }
}
