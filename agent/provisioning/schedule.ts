/**
 * When scheduled runs happen, per the autop mode: at power on (after a random delay of up to
 * `autopPowerOnJitter` seconds), every `autopInterval` minutes (repeatedly), or every hour (hourly),
 * each repeated run after a random delay of up to `autopJitter` minutes on top, so that a fleet
 * powered on together does not hit the server in the same second.
 */
import type { Config } from '../config/index.ts';

/** A random number in [0, 1), injected so that tests can pin it. */
export type Random = () => number;

const MINUTE = 60_000;

/** A random delay in [0, maxMs]. */
export function jitter(maxMs: number, random: Random): number {
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(r * maxMs);
}

/** Delay of the power-on run, or undefined when the mode has none. */
export function powerOnDelay(config: Config, random: Random): number | undefined {
  const c = config.cloud;
  if (c.autopMode !== 'power-on' && c.autopMode !== 'power-on-repeatedly') return undefined;
  return jitter(c.autopPowerOnJitter * 1000, random);
}

/** Delay from one repeated run to the next, or undefined when the mode does not repeat. */
export function repeatDelay(config: Config, random: Random): number | undefined {
  const c = config.cloud;
  const every =
    c.autopMode === 'hourly'
      ? 60 * MINUTE
      : c.autopMode === 'repeatedly' || c.autopMode === 'power-on-repeatedly'
        ? c.autopInterval * MINUTE
        : undefined;
  return every === undefined ? undefined : every + jitter(c.autopJitter * MINUTE, random);
}
