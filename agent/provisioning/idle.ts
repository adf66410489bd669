/**
 * Provisioning runs only when the device is idle: a run that falls during a call waits until the
 * call has ended (a new config may restart the SIP engine, which would drop the call).
 */
import type { Bus } from '../bus.ts';

/**
 * Resolves true when `busy()` is false: at once, or at the `call.closed` that ends the last call;
 * false if cancelled first.
 */
export function whenIdle(busy: () => boolean, bus: Bus): { idle: Promise<boolean>; cancel: () => void } {
  if (!busy()) return { idle: Promise.resolve(true), cancel: () => {} };
  let cancel = () => {};
  const idle = new Promise<boolean>((resolve) => {
    const off = bus.on('call.closed', () => {
      if (busy()) return;
      off();
      resolve(true);
    });
    cancel = () => {
      off();
      resolve(false);
    };
  });
  return { idle, cancel };
}
