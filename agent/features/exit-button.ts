/**
 * Exit button: a press of an input with the exit-button role opens the door of its relay, through
 * the door owner (method `exit-button`, the input's name as the actor). The HAL only reports the line.
 */
import type { InputChanged } from '../../hal/types.ts';
import { Feature } from './support/feature.ts';

export class ExitButton extends Feature {
  readonly name = 'exit-button';

  protected subscribe(): void {
    this.on('input.changed', (e) => {
      if (e.role === 'exit-button' && e.active) this.#press(e);
    });
  }

  #press(e: InputChanged): void {
    const relay = this.config.inputs[e.index]?.relay ?? 0;
    if (relay === 0) {
      this.log.warn({ input: e.name }, `exit button ${e.name} has no relay: nothing to open`);
      return;
    }
    try {
      this.deps.door.open({ relay: relay - 1, method: 'exit-button', actor: e.name });
    } catch (err) {
      this.log.error({ err, input: e.name, relay }, `exit button: relay ${relay} could not be triggered`);
    }
  }
}
