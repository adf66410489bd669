/**
 * Push button → call. A press calls the numbers of Intercom > Basic (a single number, a group
 * call or a sequence call; the local group call number replaces the list when set), or, for an
 * input with call schedule templates, the numbers of the first template whose schedule is active.
 * A press while a call is in progress is left to push to hang up. Every press is told on the bus
 * (`intercom.press`, with whether it started a call) for the features that act on it.
 */
import type { InputChanged } from '../../hal/types.ts';
import type { CallInfo } from '../../sip/engine.ts';
import type { Config } from '../config/index.ts';
import { dialPlan } from './support/dial-plan.ts';
import { Feature } from './support/feature.ts';
import { Ringer, type RingTarget } from './support/ringer.ts';
import { isNamedActive } from './support/schedules.ts';

export type PressPlan = { numbers: string[]; mode: 'group' | 'sequence'; source: string };

/** What a press of input `index` calls at `now`. */
export function planPress(config: Config, index: number, now: number): PressPlan {
  const input = config.inputs[index];
  for (const name of input?.callTemplates ?? []) {
    const t = config.intercom.callSchedule.find((x) => x.enabled && x.name === name);
    if (t?.schedules.some((s) => isNamedActive(config, s, now))) {
      // Call schedule: group and sequence call do not apply; the template's numbers ring together.
      return { numbers: t.numbers, mode: 'group', source: `call schedule template ${t.name}` };
    }
  }
  const pb = config.intercom.pushButton;
  if (pb.groupCallNumber) return { numbers: [pb.groupCallNumber], mode: 'group', source: 'group call number' };
  return { numbers: pb.numbers, mode: pb.callType, source: `${pb.callType} call` };
}

export class PushButton extends Feature {
  readonly name = 'push-button';
  #ringer: Ringer | undefined;
  #presses = 0;

  protected subscribe(): void {
    this.on('input.changed', (e) => {
      if (e.role === 'push-button' && e.active) this.#press(e);
    });
  }

  override async stop(): Promise<void> {
    this.#ringer?.cancel('agent stopping');
    await super.stop();
  }

  #press(e: InputChanged): void {
    const press = (startedCall: boolean, id?: string) =>
      this.deps.bus.emit('intercom.press', {
        input: e.index,
        name: e.name,
        startedCall,
        ...(id ? { id } : {}),
        at: this.deps.clock.now(),
      });
    if (this.#ringer || this.deps.sip.calls().length > 0) {
      press(false); // push to hang up decides
      return;
    }
    const config = this.config;
    const plan = planPress(config, e.index, this.deps.clock.now());
    const targets: RingTarget[] = [];
    for (const n of plan.numbers) {
      const p = dialPlan(n, config.intercom.pushButton.account, config, this.deps.sip.registrations());
      if (p.ok) targets.push({ target: p.target, account: p.account });
      else this.log.warn({ number: n }, `push button: ${p.error}`);
    }
    const id = `press-${++this.#presses}`;
    const emit = (state: 'calling' | 'connected' | 'ended', extra: { call?: CallInfo; reason?: string } = {}) =>
      this.deps.bus.emit('intercom.call', {
        id,
        input: e.index,
        state,
        numbers: plan.numbers,
        at: this.deps.clock.now(),
        ...extra,
      });
    this.log.info({ input: e.name, numbers: plan.numbers, how: plan.source }, 'push button pressed: calling');
    const ringer = new Ringer(
      this.deps,
      {
        targets,
        mode: plan.mode,
        whenRefused: config.intercom.pushButton.whenRefused,
        sequenceTimeoutMs: config.intercom.pushButton.sequenceTimeout * 1000,
      },
      {
        connected: (call) => emit('connected', { call }),
        ended: (o) => {
          if (this.#ringer === ringer) this.#ringer = undefined;
          emit('ended', { reason: o.reason, ...(o.answered ? { call: o.answered } : {}) });
        },
      },
    );
    this.#ringer = ringer;
    // before the call's events: a listener of the press sees it before the call can end
    press(targets.length > 0, targets.length > 0 ? id : undefined);
    emit('calling');
    ringer.start();
  }
}
