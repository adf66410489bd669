/**
 * The indoor monitor part. With `identity.role = indoor-monitor` it builds the monitor (door calls,
 * opening, looking at the door, DND, the inbox) and offers it as `services.monitor`; in both roles it
 * watches the role: a change restarts the agent (`ctx.restart()`), which builds the parts of the new
 * role (the door phone's push button and door unlock by DTMF, or the monitor).
 */
import type { Module } from '../../core/index.ts';
import type { Part } from '../context.ts';
import { alsaSink } from '../features/support/audio-sink.ts';
import { httpUnlock, Inbox, Monitor, Ringer } from '../monitor/index.ts';

export const monitorPart: Part = (ctx) => {
  const startedAs = ctx.config.get().identity.role;
  let off: (() => void) | undefined;
  const roleWatch: Module = {
    name: 'role',
    async start() {
      off = ctx.bus.on('config.changed', (c) => {
        if (!c.keys.includes('identity.role')) return;
        const role = ctx.config.get().identity.role;
        if (role === startedAs) return;
        ctx.log.warn({ from: startedAs, to: role }, 'the device role changed: the agent restarts to run its parts');
        ctx.restart();
      });
    },
    async stop() {
      off?.();
    },
  };
  if (startedAs !== 'indoor-monitor') return [roleWatch];
  const { sip } = ctx.services;
  if (!sip) {
    ctx.log.error('the indoor monitor needs the SIP engine; it is off');
    return [roleWatch];
  }
  const log = ctx.log.child({ module: 'monitor' });
  const monitor = new Monitor({
    config: ctx.config,
    bus: ctx.bus,
    clock: ctx.clock,
    log,
    sip,
    ringer: new Ringer({
      clock: ctx.clock,
      log,
      sinks: () => {
        const device = ctx.config.get().sip.audioDevice;
        return device ? alsaSink(device, log) : undefined;
      },
    }),
    inbox: new Inbox(ctx.options.dataDir, { bus: ctx.bus, clock: ctx.clock, log }),
    httpUnlock,
  });
  ctx.services.monitor = monitor;
  return [roleWatch, monitor];
};
