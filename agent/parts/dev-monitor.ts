/**
 * The dev run's indoor monitor: a second SIP engine on 127.0.0.1 that plays the resident. It
 * answers a call from the door after a second and, once the audio flows, sends the DTMF code of
 * the first relay that has one, as a resident opening the door would. So on a laptop the whole
 * flow can be tried: press the simulated push button, the monitor answers, the code opens the door.
 * If the push button calls nobody yet, it is set to call this monitor.
 */
import { join } from 'node:path';
import type { Module, TimerHandle } from '../../core/index.ts';
import { createSipEngine } from '../../sip/index.ts';
import type { Part } from '../context.ts';

export const DEV_MONITOR_PORT = 5070;
const ANSWER_AFTER_MS = 1000;
const CODE_AFTER_MS = 2000;

export const devMonitorPart: Part = (ctx) => {
  if (!ctx.options.devMonitor) return [];
  const log = ctx.log.child({ module: 'dev-monitor' });
  const uri = `sip:monitor@127.0.0.1:${DEV_MONITOR_PORT}`;
  const engine = createSipEngine(
    {
      listenAddress: '127.0.0.1',
      sipPort: DEV_MONITOR_PORT,
      rtpPortMin: 12100,
      rtpPortMax: 12140,
      audioDevice: '',
      directIp: true,
      directIpUser: 'monitor',
      displayName: 'Indoor monitor (dev)',
    },
    { log, clock: ctx.clock, dir: join(ctx.options.dataDir, 'dev-monitor') },
  );
  const timers = new Set<TimerHandle>();
  const later = (ms: number, fn: () => void) => {
    const t = ctx.clock.setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const offs: (() => void)[] = [];

  const module: Module = {
    name: 'dev-monitor',
    async start() {
      await engine.start();
      offs.push(
        engine.events.on('call.incoming', ({ call }) => {
          log.info({ from: call.peer }, 'indoor monitor: ringing, answering in a second');
          later(ANSWER_AFTER_MS, () => engine.answer(call.id).catch((err) => log.warn({ err }, 'could not answer')));
        }),
        engine.events.on('call.media', ({ call }) => {
          const relay = ctx.config.get().relays.find((r) => r.enabled && r.dtmfCode);
          if (!relay) return;
          later(CODE_AFTER_MS, () => {
            log.info({ code: relay.dtmfCode, relay: relay.name }, 'indoor monitor: the resident sends the door code');
            engine.sendDtmf(call.id, relay.dtmfCode).catch((err) => log.warn({ err }, 'could not send the door code'));
          });
        }),
      );
      const pb = ctx.config.get().intercom.pushButton;
      if (pb.numbers.length === 0 && !pb.groupCallNumber) {
        await ctx.config.apply({ intercom: { pushButton: { numbers: [uri] } } }, 'dev');
        log.info({ uri }, 'the push button calls the dev indoor monitor');
      }
      log.info({ uri }, 'dev indoor monitor ready: press the push button in the web UI (Status page)');
    },
    async stop() {
      for (const off of offs.splice(0)) off();
      for (const t of timers) ctx.clock.clearTimeout(t);
      timers.clear();
      await engine.stop();
    },
  };
  return [module];
};
