/**
 * An in-memory GPIO chip: named lines that can be requested as outputs or inputs, with the same
 * semantics as the Linux character device (active-low, outputs start inactive, busy lines refused,
 * both edges reported with a monotonic timestamp). Its controller presses and releases inputs.
 */
import type { Clock } from '../../../core/index.ts';
import { HalLineError, type LineEdge, type SimGpioControl } from '../../types.ts';

type SimLine = {
  name: string;
  /** Physical level. */
  high: boolean;
  direction: 'input' | 'output' | 'unused';
  activeLow: boolean;
  consumer?: string;
  listeners: Set<(e: LineEdge) => void>;
  /** Pressed or released by the controller since it was created (else it rests at its inactive level). */
  driven: boolean;
  /** Fault injection: writes to this output throw. */
  writeError?: string;
};

export class SimChip {
  readonly control: SimGpioControl;
  #lines = new Map<string, SimLine>();
  #clock: Clock;

  constructor(lineNames: string[], clock: Clock) {
    this.#clock = clock;
    for (const name of lineNames) {
      if (name)
        this.#lines.set(name, {
          name,
          high: false,
          direction: 'unused',
          activeLow: false,
          driven: false,
          listeners: new Set(),
        });
    }
    this.control = {
      press: (line) => this.#drive(line, true),
      release: (line) => this.#drive(line, false),
      lines: () =>
        [...this.#lines.values()].map((l) => ({
          line: l.name,
          direction: l.direction,
          active: l.high !== l.activeLow,
        })),
    };
  }

  /** Claims a line for one request; throws a HalLineError naming it if it is missing or busy. */
  claim(line: string, direction: 'input' | 'output', activeLow: boolean, consumer: string): void {
    const l = this.#line(line);
    if (l.direction !== 'unused') throw new HalLineError(line, `busy (used by "${l.consumer ?? ''}")`);
    l.direction = direction;
    l.activeLow = activeLow;
    l.consumer = consumer;
    if (direction === 'output')
      l.high = activeLow; // outputs start inactive
    else if (!l.driven) l.high = activeLow; // an input nobody touched rests at its inactive level (its pull)
  }

  free(line: string): void {
    const l = this.#lines.get(line);
    if (!l) return;
    l.direction = 'unused';
    l.consumer = undefined;
    l.listeners.clear();
  }

  /** Logical value of a requested line. */
  get(line: string): boolean {
    const l = this.#line(line);
    return l.high !== l.activeLow;
  }

  setOutput(line: string, active: boolean): void {
    const l = this.#line(line);
    if (l.direction !== 'output') throw new HalLineError(line, 'not requested as an output');
    if (l.writeError) throw new HalLineError(line, l.writeError);
    l.high = active !== l.activeLow;
  }

  onEdge(line: string, listener: (e: LineEdge) => void): () => void {
    const l = this.#line(line);
    l.listeners.add(listener);
    return () => l.listeners.delete(listener);
  }

  /** Physical level of a line (true = high), as a meter on the pin would show. */
  level(line: string): boolean {
    return this.#line(line).high;
  }

  /** Test hook: makes writes to `line` throw `message` (undefined clears it). */
  failWrites(line: string, message: string | undefined): void {
    this.#line(line).writeError = message;
  }

  #line(line: string): SimLine {
    const l = this.#lines.get(line);
    if (!l) throw new HalLineError(line, 'not found on the simulated chip');
    return l;
  }

  /** Drives an input to its active (pressed) or inactive level, reporting the edge if it changes. */
  #drive(line: string, active: boolean): void {
    const l = this.#line(line);
    if (l.direction === 'output') throw new HalLineError(line, 'is an output: it cannot be pressed');
    const high = active !== l.activeLow;
    l.driven = true;
    if (l.high === high) return;
    l.high = high;
    if (l.direction !== 'input') return;
    const edge: LineEdge = { line, active, timestampMs: this.#clock.monotonic() };
    for (const fn of [...l.listeners]) fn(edge);
  }
}
