/**
 * The inputs of the device, built from the config: the lines of every enabled input are requested
 * together (one kernel request per chip); a missing or busy line takes only its input out of
 * service, with an error naming the line. Edges are debounced into `input.changed` events: the HAL
 * only reports lines (what a press does is the agent's business). A door contact (active = door
 * open) raises "door open too long".
 */
import { type Clock, errorMessage, type Logger } from '../../core/index.ts';
import { CONSUMER } from '../relays/bank.ts';
import {
  type GpioDriver,
  HalLineError,
  type InputAlarm,
  type InputChanged,
  type InputConfig,
  type InputLines,
  type InputService,
  type InputState,
  type LineEdge,
} from '../types.ts';
import { Debouncer } from './debouncer.ts';
import { DoorAlarm } from './door-alarm.ts';

export type InputBankDeps = {
  clock: Clock;
  log: Logger;
  emit: {
    changed: (e: InputChanged) => void;
    alarm: (e: InputAlarm) => void;
  };
};

type Slot = {
  index: number;
  cfg: InputConfig;
  changedAt: number;
  error?: string;
  debouncer?: Debouncer;
  alarm: DoorAlarm;
};

export class InputBank implements InputService {
  #deps: InputBankDeps;
  #driver: GpioDriver | undefined;
  #driverError: string | undefined;
  #slots: Slot[] = [];
  #lines: InputLines | undefined;
  #offEdge: (() => void) | undefined;

  constructor(deps: InputBankDeps) {
    this.#deps = deps;
  }

  async start(driver: GpioDriver | string, configs: InputConfig[]): Promise<void> {
    if (typeof driver === 'string') this.#driverError = driver;
    else this.#driver = driver;
    await this.apply(configs);
  }

  /**
   * Reconciles with a new config. When the requested lines stay the same (and none is out of
   * service) the request is kept and only the settings change; else the lines are requested anew
   * and an input whose level changed meanwhile reports it.
   */
  async apply(configs: InputConfig[]): Promise<void> {
    const wanted = configs.map((c) => (c.enabled ? `${c.line}/${c.activeLevel}` : '-')).join(',');
    const held = this.#slots.map((s) => (s.cfg.enabled ? `${s.cfg.line}/${s.cfg.activeLevel}` : '-')).join(',');
    if (this.#lines && wanted === held && !this.#slots.some((s) => s.error)) {
      for (const [i, cfg] of configs.entries()) this.#reconfigure(this.#slots[i] as Slot, cfg);
      return;
    }
    const previous = this.#slots;
    await this.#releaseLines();
    this.#slots = configs.map((cfg, index) => ({
      index,
      cfg,
      changedAt: previous[index]?.changedAt ?? this.#deps.clock.now(),
      alarm: previous[index]?.alarm ?? this.#newAlarm(index),
    }));
    for (const old of previous.slice(configs.length)) old.alarm.cancel();
    await this.#request();
    for (const slot of this.#slots) {
      const now = slot.debouncer?.stable;
      if (now === undefined) {
        slot.alarm.cancel(); // disabled or out of service
        continue;
      }
      const before = previous[slot.index];
      const kept = before?.cfg.enabled && before.cfg.line === slot.cfg.line && !before.error;
      const was = kept ? before.debouncer?.stable : undefined;
      if (was !== undefined && was !== now) {
        this.#commit(slot, now, this.#deps.clock.monotonic()); // changed while the lines were re-requested
      } else if (slot.cfg.role === 'door-contact' && now) {
        slot.alarm.opened(slot.cfg.openAlarm); // open at start: the countdown starts now
      } else {
        slot.alarm.closed();
      }
    }
  }

  async stop(): Promise<void> {
    for (const s of this.#slots) s.alarm.cancel();
    await this.#releaseLines();
  }

  states(): InputState[] {
    return this.#slots.map((s) => ({
      index: s.index,
      name: s.cfg.name,
      role: s.cfg.role,
      enabled: s.cfg.enabled,
      active: s.debouncer?.stable ?? false,
      changedAt: s.changedAt,
      ...(s.error ? { error: s.error } : {}),
    }));
  }

  #newAlarm(index: number): DoorAlarm {
    return new DoorAlarm(this.#deps.clock, (raised) => {
      const slot = this.#slots[index];
      if (!slot) return;
      const { name } = slot.cfg;
      const at = this.#deps.clock.now();
      if (raised) this.#deps.log.warn({ input: name, after: slot.cfg.openAlarm }, `door open too long (${name})`);
      else this.#deps.log.info({ input: name }, `door closed: open too long alarm cleared (${name})`);
      this.#deps.emit.alarm({ index, name, kind: 'door-open-too-long', active: raised, at });
    });
  }

  #reconfigure(slot: Slot, cfg: InputConfig): void {
    const roleOrDelay = cfg.role !== slot.cfg.role || cfg.openAlarm !== slot.cfg.openAlarm;
    slot.cfg = cfg;
    if (slot.debouncer) slot.debouncer.ms = cfg.debounceMs;
    if (!roleOrDelay) return;
    if (cfg.role === 'door-contact' && slot.debouncer?.stable) slot.alarm.opened(cfg.openAlarm);
    else slot.alarm.closed();
  }

  /** Requests every enabled input's line; a line that fails is dropped (its input reports why) and the rest retried. */
  async #request(): Promise<void> {
    const pending = new Map<string, Slot>();
    for (const slot of this.#slots) {
      if (!slot.cfg.enabled) continue;
      if (this.#driverError) slot.error = this.#driverError;
      else if (!slot.cfg.line) slot.error = 'no GPIO line set';
      else if (pending.has(slot.cfg.line))
        slot.error = new HalLineError(
          slot.cfg.line,
          `already used by input ${(pending.get(slot.cfg.line) as Slot).index + 1}`,
        ).message;
      else pending.set(slot.cfg.line, slot);
    }
    const driver = this.#driver;
    while (driver && pending.size > 0) {
      const slots = [...pending.values()];
      try {
        this.#lines = await driver.requestInputs(
          slots.map((s) => ({ line: s.cfg.line, activeLow: s.cfg.activeLevel === 'low' })),
          CONSUMER,
        );
        break;
      } catch (err) {
        const failed = err instanceof HalLineError ? pending.get(err.line) : undefined;
        for (const s of failed ? [failed] : slots) {
          s.error = errorMessage(err);
          pending.delete(s.cfg.line);
        }
      }
    }
    for (const s of this.#slots) {
      if (s.error)
        this.#deps.log.error(
          { input: s.cfg.name, line: s.cfg.line, error: s.error },
          `input ${s.index + 1} (${s.cfg.name}) is out of service: ${s.error}`,
        );
    }
    const lines = this.#lines;
    if (!lines) return;
    for (const slot of pending.values()) {
      let level = false;
      try {
        level = lines.get(slot.cfg.line);
      } catch (err) {
        this.#deps.log.warn({ err, input: slot.cfg.name }, 'could not read the initial level of an input');
      }
      slot.debouncer = new Debouncer(level, slot.cfg.debounceMs, {
        clock: this.#deps.clock,
        read: () => this.#read(slot.cfg.line),
        commit: (active, ts) => this.#commit(slot, active, ts),
      });
    }
    const byLine = new Map([...pending.values()].map((s) => [s.cfg.line, s]));
    this.#offEdge = lines.onEdge((e: LineEdge) => byLine.get(e.line)?.debouncer?.edge(e));
  }

  #read(line: string): boolean | undefined {
    try {
      return this.#lines?.get(line);
    } catch {
      return undefined;
    }
  }

  async #releaseLines(): Promise<void> {
    for (const s of this.#slots) s.debouncer?.cancel();
    this.#offEdge?.();
    this.#offEdge = undefined;
    const lines = this.#lines;
    this.#lines = undefined;
    await lines?.release();
  }

  #commit(slot: Slot, active: boolean, timestampMs: number): void {
    const { clock, log, emit } = this.#deps;
    const { cfg, index } = slot;
    if (slot.debouncer) slot.debouncer.stable = active;
    slot.changedAt = clock.now();
    log.info(
      { input: cfg.name, line: cfg.line, role: cfg.role, active },
      `input ${cfg.name} ${active ? 'active' : 'inactive'}`,
    );
    emit.changed({ index, name: cfg.name, role: cfg.role, active, at: slot.changedAt, timestampMs });
    if (cfg.role === 'door-contact') {
      if (active) slot.alarm.opened(cfg.openAlarm);
      else slot.alarm.closed();
    }
  }
}
