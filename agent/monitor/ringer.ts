/**
 * The ringtone: while a call rings, a 425 Hz tone for 1 s every 4 s through the ALSA device
 * (`sip.audioDevice`, played by aplay); headless (no device) the ring is only logged.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.ts';
import type { AudioSinkFactory } from '../features/index.ts';

const RATE = 8000;
const ON_MS = 1000;
const PERIOD_MS = 4000;

function tone(): Int16Array {
  const n = (RATE * ON_MS) / 1000;
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 425 * i) / RATE));
  return pcm;
}

export class Ringer {
  #deps: { clock: Clock; log: Logger; sinks: () => AudioSinkFactory | undefined };
  #timer: TimerHandle | undefined;
  #sink: ReturnType<AudioSinkFactory> | undefined;
  #pcm = tone();

  constructor(deps: { clock: Clock; log: Logger; sinks: () => AudioSinkFactory | undefined }) {
    this.#deps = deps;
  }

  get ringing(): boolean {
    return this.#timer !== undefined || this.#sink !== undefined;
  }

  start(label: string): void {
    if (this.ringing) return;
    const sinks = this.#deps.sinks();
    if (!sinks) {
      this.#deps.log.info({ label }, 'ringing (headless: no audio device, the ringtone is not played)');
      return;
    }
    this.#deps.log.info({ label }, 'ringing');
    this.#sink = sinks(`ringtone ${label}`);
    const ring = () => {
      this.#sink?.write(this.#pcm);
      // the gap is silence written after the tone, so aplay keeps time
      this.#sink?.write(new Int16Array((RATE * (PERIOD_MS - ON_MS)) / 1000));
      this.#timer = this.#deps.clock.setTimeout(ring, PERIOD_MS);
    };
    ring();
  }

  stop(): void {
    if (this.#timer) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sink?.close();
    this.#sink = undefined;
  }
}
