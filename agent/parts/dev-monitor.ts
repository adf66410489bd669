/**
 * The dev run's indoor monitor, in one of two kinds:
 *   - `portier` (`portier run --dev`): a second Portier agent in the indoor monitor role, in this
 *     process, with its own data dir (`<data>/dev-monitor-agent`) and ports (web 8081, SIP 5070,
 *     RTP 12100-12140), the door in its door list. The newcomer presses the push button on the door's
 *     page (http://127.0.0.1:8080/) and answers and opens on the monitor's resident page
 *     (http://127.0.0.1:8081/, its own first-run setup code in the log), in another browser tab.
 *   - `auto` (`--auto-monitor`, and `devMonitor: true` in tests): the automatic resident for
 *     unattended demos and tests, a bare SIP engine that answers a call from the door after a second
 *     and, once the audio flows, sends the DTMF code of the first relay that has one.
 * If the push button calls nobody yet (or the other kind's monitor), it is set to call this monitor.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Module, TimerHandle } from '../../core/index.ts';
import { createSipEngine } from '../../sip/index.ts';
import { ConfigStore } from '../config/index.ts';
import type { AgentContext, Part } from '../context.ts';

export const DEV_MONITOR_PORT = 5070;
export const DEV_MONITOR_WEB_PORT = 8081;
const ANSWER_AFTER_MS = 1000;
const CODE_AFTER_MS = 2000;
const AUTO_URI = `sip:monitor@127.0.0.1:${DEV_MONITOR_PORT}`;
const PORTIER_URI = `sip:portier@127.0.0.1:${DEV_MONITOR_PORT}`;

export const devMonitorPart: Part = (ctx) => {
  const kind = ctx.options.devMonitor === true ? 'auto' : ctx.options.devMonitor;
  if (!kind) return [];
  return [kind === 'auto' ? autoMonitor(ctx) : portierMonitor(ctx)];
};

/** Points the door's push button at the dev monitor, unless the installer set it to call someone else. */
async function callMonitor(ctx: AgentContext, uri: string, other: string): Promise<void> {
  const pb = ctx.config.get().intercom.pushButton;
  const unset = pb.numbers.length === 0 && !pb.groupCallNumber;
  const theOther = pb.numbers.length === 1 && pb.numbers[0] === other;
  if (!unset && !theOther) return;
  await ctx.config.apply({ intercom: { pushButton: { numbers: [uri] } } }, 'dev');
  ctx.log.info({ uri }, 'the push button calls the dev indoor monitor');
}

function portierMonitor(ctx: AgentContext): Module {
  const log = ctx.log.child({ agent: 'dev-monitor' });
  const dataDir = join(ctx.options.dataDir, 'dev-monitor-agent');
  let agent: { start(): Promise<void>; stop(): Promise<void> } | undefined;
  return {
    name: 'dev-monitor',
    async start() {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      const door = ctx.config.get();
      const store = new ConfigStore({ dataDir, clock: ctx.clock, log: log.child({ module: 'config' }) });
      await store.load();
      // Its own ports and identity; the door in its list (kept if the resident changed them since).
      await store.apply(
        {
          identity: { role: 'indoor-monitor', name: 'Flat 1 (dev)', mac: '02:00:00:00:00:02' },
          web: { port: DEV_MONITOR_WEB_PORT, https: false },
          directIp: { enabled: true, port: DEV_MONITOR_PORT },
          sip: { rtpPortMin: 12100, rtpPortMax: 12140 },
          cloud: { enabled: false },
          ...(store.get().monitor.doors.some((d) => d.enabled)
            ? {}
            : {
                monitor: {
                  doors: {
                    0: {
                      enabled: true,
                      name: door.identity.name || 'Front door',
                      address: `sip:portier@127.0.0.1:${door.directIp.port}`,
                    },
                  },
                },
              }),
        },
        'dev',
      );
      // Imported here: main.ts builds this part, and a second agent is built the same way.
      const { createAgent } = await import('../main.ts');
      agent = await createAgent(
        { dataDir, hal: 'sim', dev: true, bind: '127.0.0.1', sipAddress: '127.0.0.1' },
        { log, clock: ctx.clock },
      );
      await agent.start();
      await callMonitor(ctx, PORTIER_URI, AUTO_URI);
      log.info(
        { uri: PORTIER_URI, web: `http://127.0.0.1:${DEV_MONITOR_WEB_PORT}/` },
        `dev indoor monitor (a Portier agent) ready: press the push button on the door's Status page, answer and open on http://127.0.0.1:${DEV_MONITOR_WEB_PORT}/`,
      );
    },
    async stop() {
      await agent?.stop();
      agent = undefined;
    },
  };
}

function autoMonitor(ctx: AgentContext): Module {
  const log = ctx.log.child({ module: 'dev-monitor' });
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

  return {
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
      await callMonitor(ctx, AUTO_URI, PORTIER_URI);
      log.info({ uri: AUTO_URI }, 'dev indoor monitor ready: press the push button in the web UI (Status page)');
    },
    async stop() {
      for (const off of offs.splice(0)) off();
      for (const t of timers) ctx.clock.clearTimeout(t);
      timers.clear();
      await engine.stop();
    },
  };
}
