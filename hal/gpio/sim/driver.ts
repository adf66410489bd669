/** The `sim` GPIO driver: requests lines of a SimChip. Several drivers may share one chip. */
import {
  type GpioDriver,
  HalLineError,
  type InputLines,
  type InputRequest,
  type LineEdge,
  type OutputLines,
  type OutputRequest,
} from '../../types.ts';
import type { SimChip } from './chip.ts';

export class SimDriver implements GpioDriver {
  readonly name = 'sim' as const;
  #chip: SimChip;
  #owned = new Set<string>();

  constructor(chip: SimChip) {
    this.#chip = chip;
  }

  async requestOutputs(lines: OutputRequest[], consumer: string): Promise<OutputLines> {
    const names = this.#claimAll(lines, 'output', consumer);
    const chip = this.#chip;
    let released = false;
    const check = (line: string) => {
      if (released) throw new HalLineError(line, 'request already released');
      if (!names.includes(line)) throw new HalLineError(line, 'not part of this request');
    };
    return {
      set: (line, active) => {
        check(line);
        chip.setOutput(line, active);
      },
      get: (line) => {
        check(line);
        return chip.get(line);
      },
      release: async () => {
        if (released) return;
        released = true;
        this.#freeAll(names);
      },
    };
  }

  async requestInputs(lines: InputRequest[], consumer: string): Promise<InputLines> {
    const names = this.#claimAll(lines, 'input', consumer);
    const chip = this.#chip;
    const listeners = new Set<(e: LineEdge) => void>();
    const offs = names.map((n) =>
      chip.onEdge(n, (e) => {
        for (const l of [...listeners]) l(e);
      }),
    );
    let released = false;
    return {
      get: (line) => {
        if (released || !names.includes(line)) throw new HalLineError(line, 'not part of this request');
        return chip.get(line);
      },
      onEdge: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      release: async () => {
        if (released) return;
        released = true;
        for (const off of offs) off();
        listeners.clear();
        this.#freeAll(names);
      },
    };
  }

  async close(): Promise<void> {
    this.#freeAll([...this.#owned]);
  }

  #claimAll(lines: { line: string; activeLow: boolean }[], dir: 'input' | 'output', consumer: string): string[] {
    const seen = new Set<string>();
    for (const { line } of lines) {
      if (seen.has(line)) throw new HalLineError(line, 'requested twice');
      seen.add(line);
    }
    const claimed: string[] = [];
    try {
      for (const { line, activeLow } of lines) {
        this.#chip.claim(line, dir, activeLow, consumer);
        claimed.push(line);
      }
    } catch (err) {
      for (const l of claimed) this.#chip.free(l);
      throw err;
    }
    for (const l of claimed) this.#owned.add(l);
    return claimed;
  }

  #freeAll(names: string[]): void {
    for (const n of names) {
      this.#chip.free(n);
      this.#owned.delete(n);
    }
  }
}
