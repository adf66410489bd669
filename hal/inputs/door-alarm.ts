/** "Door open too long": raised when a door contact stays active (door open) for N seconds, cleared when it closes. */
import type { Clock, TimerHandle } from '../../core/index.ts';

export class DoorAlarm {
  raised = false;
  #clock: Clock;
  #timer: TimerHandle | undefined;
  #onChange: (raised: boolean) => void;

  constructor(clock: Clock, onChange: (raised: boolean) => void) {
    this.#clock = clock;
    this.#onChange = onChange;
  }

  /** The door opened (or is open at start): the alarm fires after `seconds` (0 = never). */
  opened(seconds: number): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (seconds <= 0 || this.raised) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.raised = true;
      this.#onChange(true);
    }, seconds * 1000);
  }

  closed(): void {
    this.cancel();
    if (!this.raised) return;
    this.raised = false;
    this.#onChange(false);
  }

  cancel(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
