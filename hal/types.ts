/** The hardware interface of the agent: GPIO lines, relays and inputs. */

/** A line as a driver offers it. `active` already accounts for active-low. */
export type LineEdge = {
  line: string;
  active: boolean;
  /** Kernel timestamp of the edge in nanoseconds (CLOCK_MONOTONIC), as a number of ms with fractions. */
  timestampMs: number;
};

export type OutputRequest = { line: string; activeLow: boolean };
export type InputRequest = { line: string; activeLow: boolean };

export interface OutputLines {
  set(line: string, active: boolean): void;
  get(line: string): boolean;
  release(): Promise<void>;
}

export interface InputLines {
  get(line: string): boolean;
  /** Every edge, both directions, in order. */
  onEdge(listener: (e: LineEdge) => void): () => void;
  release(): Promise<void>;
}

/** A GPIO driver: `gpiod` (Linux character device v2) or `sim` (in memory). */
export interface GpioDriver {
  readonly name: 'gpiod' | 'sim';
  /** Requests outputs; they start inactive. Throws a HalLineError naming the line if missing or busy. */
  requestOutputs(lines: OutputRequest[], consumer: string): Promise<OutputLines>;
  /** Requests inputs with edge detection on both edges. */
  requestInputs(lines: InputRequest[], consumer: string): Promise<InputLines>;
  close(): Promise<void>;
}

export class HalLineError extends Error {
  readonly line: string;
  constructor(line: string, message: string) {
    super(`GPIO line ${line}: ${message}`);
    this.line = line;
  }
}

/** Bus events of the HAL (payloads use 0-based indexes into config.relays / config.inputs). */
export type RelayChanged = { index: number; name: string; on: boolean; at: number; by: string };
export type InputChanged = {
  index: number;
  name: string;
  role: string;
  active: boolean;
  at: number;
  timestampMs: number;
};
export type InputAlarm = { index: number; name: string; kind: 'door-open-too-long'; active: boolean; at: number };

/** Relays as the rest of the agent uses them (indexes are 0-based into config.relays). */
export type RelayState = {
  index: number;
  name: string;
  enabled: boolean;
  mode: 'monostable' | 'bistable';
  on: boolean;
  changedAt: number;
  /** Set when the relay's line could not be requested: the message names the line. */
  error?: string;
};

export interface RelayService {
  /** Monostable: energize for the hold time after the trigger delay (a new trigger extends it). Bistable: toggle. */
  trigger(index: number, by: string): void;
  /** Bistable: switch on or off. Monostable: on = trigger, off = end the pulse now. */
  set(index: number, on: boolean, by: string): void;
  states(): RelayState[];
}

export type InputState = {
  index: number;
  name: string;
  role: string;
  enabled: boolean;
  active: boolean;
  changedAt: number;
  error?: string;
};

export interface InputService {
  states(): InputState[];
}

/** Only with the sim driver: drive simulated inputs (dev run, demo, tests). */
export interface SimGpioControl {
  press(line: string): void;
  release(line: string): void;
  lines(): { line: string; direction: 'input' | 'output' | 'unused'; active: boolean }[];
}

/**
 * What the HAL needs of a relay's settings (a structural subset of `config.relays[n]`, so that `hal/`
 * does not import the agent). Times are in seconds, as in the config.
 */
export type RelayConfig = {
  enabled: boolean;
  name: string;
  /** normal: line active when energized; inverted: line active while idle (requested active-low). */
  type: 'normal' | 'inverted';
  mode: 'monostable' | 'bistable';
  holdTime: number;
  triggerDelay: number;
  line: string;
};

export type InputRole = 'push-button' | 'exit-button' | 'door-contact' | 'generic';

/** What the HAL needs of an input's settings (a structural subset of `config.inputs[n]`). */
export type InputConfig = {
  enabled: boolean;
  name: string;
  line: string;
  /** Line level that means active (pressed; for a door contact: door open). */
  activeLevel: 'high' | 'low';
  debounceMs: number;
  /** What the input is for: reported with each change; the HAL itself acts only on a door contact (its alarm). */
  role: InputRole;
  /** door-contact: seconds the door may stay open before the alarm (0 = never). */
  openAlarm: number;
};

/** Events of the HAL, forwarded to the agent's bus by agent/parts/hal.ts. */
export type HalEvents = {
  'relay.changed': RelayChanged;
  'input.changed': InputChanged;
  'input.alarm': InputAlarm;
};
