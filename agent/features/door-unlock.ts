/**
 * Door unlock by DTMF: during an established call the digits the other party sends are collected
 * and matched against each relay's DTMF code; a match opens that relay's door (through the door owner).
 * A code is taken as soon as no longer code could still follow; otherwise at the inter-digit timeout.
 */
import type { TimerHandle } from '../../core/index.ts';
import type { CallInfo } from '../../sip/engine.ts';
import { dtmfAccepted } from './support/callers.ts';
import { Feature } from './support/feature.ts';

/** Digits further apart than this start a new code. */
export const INTER_DIGIT_MS = 3000;
const MAX_DIGITS = 8;

type Code = { index: number; name: string; code: string };

export class DoorUnlock extends Feature {
  readonly name = 'door-unlock';
  #buffers = new Map<string, { digits: string; timer?: TimerHandle }>();
  /** Calls whose digits are ignored (not from an allowed caller): warned about once each. */
  #ignored = new Set<string>();

  protected subscribe(): void {
    this.on('call.dtmf', ({ call, digit }) => this.#digit(call, digit));
    this.on('call.closed', ({ call }) => {
      this.cancel(this.#buffers.get(call.id)?.timer);
      this.#buffers.delete(call.id);
      this.#ignored.delete(call.id);
    });
  }

  #codes(): Code[] {
    return this.config.relays
      .map((r, index) => ({ index, name: r.name, code: r.dtmfCode, enabled: r.enabled }))
      .filter((r) => r.enabled && r.code);
  }

  #digit(call: CallInfo, digit: string): void {
    if (call.state !== 'established') return;
    // Who may open: calls the door placed, and incoming calls from allowed callers (support/callers.ts).
    if (!dtmfAccepted(this.config, call).allowed) {
      if (!this.#ignored.has(call.id))
        this.log.warn(
          { call: call.id, peer: call.peer, name: call.peerName, source: call.source },
          'DTMF from a caller who is not allowed: ignored, no door opens',
        );
      this.#ignored.add(call.id);
      return;
    }
    const b = this.#buffers.get(call.id) ?? { digits: '' };
    this.cancel(b.timer);
    b.digits = (b.digits + digit).slice(-MAX_DIGITS);
    b.timer = undefined;
    this.#buffers.set(call.id, b);

    const codes = this.#codes();
    const match = longest(codes.filter((c) => b.digits.endsWith(c.code)));
    const couldGrow = codes.some(
      (c) => c.code.length > (match?.code.length ?? 0) && startsWithSuffixOf(c.code, b.digits),
    );
    if (match && !couldGrow) {
      this.#open(call, match);
      return;
    }
    b.timer = this.after(INTER_DIGIT_MS, () => {
      const m = longest(this.#codes().filter((c) => b.digits.endsWith(c.code)));
      if (m) this.#open(call, m);
      else b.digits = '';
    });
  }

  #open(call: CallInfo, code: Code): void {
    this.#buffers.set(call.id, { digits: '' });
    this.log.info({ relay: code.name, peer: call.peer }, 'DTMF code matched: opening');
    try {
      this.deps.door.open({ relay: code.index, method: 'dtmf', actor: call.peer, call });
    } catch (err) {
      this.log.error({ err, relay: code.index }, 'DTMF code matched, but the door could not be opened');
    }
  }
}

function longest(codes: Code[]): Code | undefined {
  return codes.sort((a, b) => b.code.length - a.code.length)[0];
}

/** Could more digits turn the end of `digits` into `code`? */
function startsWithSuffixOf(code: string, digits: string): boolean {
  for (let n = Math.min(code.length - 1, digits.length); n > 0; n--) {
    if (code.startsWith(digits.slice(-n))) return true;
  }
  return false;
}
