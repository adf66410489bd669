/**
 * How relays and inputs appear in the API: `id` is 1-based (as in autop keys, the UI and
 * 2N's `switch=N`), while the HAL and the bus use 0-based indexes.
 */
import type { Config } from '../../agent/config/index.ts';
import type { InputState, RelayState } from '../../hal/types.ts';

export function relayView(r: RelayState) {
  return { id: r.index + 1, ...r };
}

export function inputView(i: InputState, c: Config) {
  const cfg = c.inputs[i.index];
  return { id: i.index + 1, ...i, line: cfg?.line ?? '', relay: cfg?.relay ?? 0 };
}
