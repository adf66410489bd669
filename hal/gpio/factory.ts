/** Picks the GPIO driver by name: `gpiod` (Linux GPIO character device) or `sim` (in memory). */
import type { Logger } from '../../core/index.ts';
import type { GpioDriver } from '../types.ts';
import { GpiodDriver } from './gpiod/driver.ts';
import { loadLibc } from './gpiod/libc.ts';
import type { SimChip } from './sim/chip.ts';
import { SimDriver } from './sim/driver.ts';

export type DriverOptions = {
  log: Logger;
  /** sim: the simulated chip the driver requests lines of. */
  sim?: SimChip;
  /** gpiod: where the gpiochipN devices are (default /dev). */
  devDir?: string;
};

export async function createGpioDriver(name: 'gpiod' | 'sim', opts: DriverOptions): Promise<GpioDriver> {
  if (name === 'sim') {
    if (!opts.sim) throw new Error('the sim GPIO driver needs a simulated chip');
    return new SimDriver(opts.sim);
  }
  return new GpiodDriver({ libc: await loadLibc(), log: opts.log, devDir: opts.devDir });
}
