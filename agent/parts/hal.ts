/**
 * The HAL part: the GPIO driver picked by `--hal`, the enabled relays and inputs of the config,
 * reconfigured on `config.changed` (relays.* / inputs.*) without a restart, and their events on the
 * bus. The HAL only reports lines: what an exit button opens is the agent's (features/exit-button.ts,
 * through the door owner). A missing or busy line puts only its relay or input out of service (reported in its state and the log).
 */
import type { Module } from '../../core/index.ts';
import { createGpioDriver, Hal, type HalConfig, SimChip } from '../../hal/index.ts';
import { type Config, defaultConfig } from '../config/index.ts';
import type { Part } from '../context.ts';

const halConfig = (c: Config): HalConfig => ({ relays: c.relays, inputs: c.inputs });

/** The lines of the simulated chip: those the default config names (what the device's board has). */
export function simLineNames(c: Config = defaultConfig()): string[] {
  return [...c.relays.map((r) => r.line), ...c.inputs.map((i) => i.line)].filter(Boolean);
}

export const halPart: Part = (ctx) => {
  const log = ctx.log.child({ module: 'hal' });
  const sim = ctx.options.hal === 'sim' ? new SimChip(simLineNames(), ctx.clock) : undefined;
  const hal = new Hal({
    clock: ctx.clock,
    log,
    openDriver: () => createGpioDriver(ctx.options.hal, { log: log.child({ module: 'hal:gpio' }), sim }),
  });
  ctx.services.relays = hal.relays;
  ctx.services.inputs = hal.inputs;
  if (sim) ctx.services.simGpio = sim.control;

  const offs: (() => void)[] = [];
  let reconfiguring: Promise<void> = Promise.resolve();

  const module: Module = {
    name: 'hal',
    async start() {
      const { bus } = ctx;
      offs.push(
        hal.events.on('relay.changed', (e) => bus.emit('relay.changed', e)),
        hal.events.on('input.changed', (e) => bus.emit('input.changed', e)),
        hal.events.on('input.alarm', (e) => bus.emit('input.alarm', e)),
      );
      await hal.start(halConfig(ctx.config.get()));
      offs.push(
        bus.on('config.changed', (change) => {
          if (!change.keys.some((k) => k.startsWith('relays.') || k.startsWith('inputs.'))) return;
          reconfiguring = reconfiguring
            .then(() => hal.apply(halConfig(change.config)))
            .then(() => log.info(summary(hal), 'relays and inputs reconfigured'))
            .catch((err) => log.error({ err }, 'relays and inputs could not be reconfigured'));
        }),
      );
      log.info({ driver: ctx.options.hal, ...summary(hal) }, 'relays and inputs ready');
    },
    async stop() {
      for (const off of offs.splice(0)) off();
      await reconfiguring;
      await hal.stop();
    },
  };
  return [module];
};

function summary(hal: Hal) {
  const show = (s: { name: string; enabled: boolean; error?: string }) =>
    !s.enabled ? `${s.name}: disabled` : s.error ? `${s.name}: ${s.error}` : `${s.name}: ok`;
  return { relays: hal.relays.states().map(show), inputs: hal.inputs.states().map(show) };
}
