/** The hardware of the device: GPIO drivers (gpiod, sim), relays and inputs. */
export { createGpioDriver, type DriverOptions } from './gpio/factory.ts';
export { SimChip } from './gpio/sim/chip.ts';
export { Hal, type HalConfig, type HalOptions } from './hal.ts';
export { InputBank } from './inputs/bank.ts';
export { RelayBank } from './relays/bank.ts';
export * from './types.ts';
