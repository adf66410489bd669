/**
 * The SIP part: the engine built from the config (enabled accounts, direct IP, RTP ports, audio
 * device, device name), started as a module, its events forwarded onto the bus. Account changes
 * are reconciled in place (no restart); a change of engine settings restarts the engine, behind
 * the same `ctx.services.sip` object. baresip's private dir is `<dataDir>/baresip` (0700).
 */
import { join } from 'node:path';
import type { Module } from '../../core/index.ts';
import {
  type AccountSpec,
  createSipEngine,
  type EngineSettings,
  EngineSlot,
  type SipEngine,
  type SipEngineDeps,
} from '../../sip/index.ts';
import type { Config } from '../config/index.ts';
import type { AgentContext, Part } from '../context.ts';
import { forwardSipEvents } from '../sip-bridge.ts';

/** The engine settings in the config, for the engine listening on `listenAddress`. */
export function engineSettings(config: Config, listenAddress: string): EngineSettings {
  return {
    listenAddress,
    sipPort: config.directIp.port,
    rtpPortMin: config.sip.rtpPortMin,
    rtpPortMax: config.sip.rtpPortMax,
    audioDevice: config.sip.audioDevice,
    directIp: config.directIp.enabled,
    displayName: config.identity.name,
  };
}

/** The enabled accounts of the config; ids are '1', '2' ... (index + 1), whether enabled or not. */
export function accountSpecs(config: Config): AccountSpec[] {
  return config.accounts.flatMap((a, i) =>
    a.enabled
      ? [
          {
            id: String(i + 1),
            mode: a.mode,
            user: a.user,
            authUser: a.authUser,
            password: a.password,
            displayName: a.displayName,
            server: a.server,
            port: a.port,
            transport: a.transport,
            registerInterval: a.registerInterval,
            outboundProxy: a.outboundProxy,
            dtmfMode: a.dtmfMode,
            srtp: a.srtp,
          },
        ]
      : [],
  );
}

const SETTINGS_KEYS = ['directIp.', 'sip.', 'identity.name'];

type Factory = (settings: EngineSettings, deps: SipEngineDeps) => SipEngine;

export function createSipModule(
  ctx: AgentContext,
  factory: Factory = createSipEngine,
): { module: Module; sip: EngineSlot } {
  const log = ctx.log.child({ module: 'sip' });
  const listen = ctx.options.sipAddress ?? (ctx.options.dev ? '127.0.0.1' : '0.0.0.0');
  const deps: SipEngineDeps = {
    log,
    clock: ctx.clock,
    dir: join(ctx.options.dataDir, 'baresip'),
    // Read at each incoming call: a change applies without restarting the engine.
    baresip: { maxCalls: () => ctx.config.get().intercom.maxCalls },
  };
  let settings = engineSettings(ctx.config.get(), listen);
  const sip = new EngineSlot(factory(settings, deps));
  const offs: (() => void)[] = [];
  let running = false;
  let queue: Promise<void> = Promise.resolve();
  const serially = (what: string, job: () => Promise<void>) => {
    queue = queue.then(job).catch((err) => log.error({ err }, `${what} failed`));
  };

  const module: Module = {
    name: 'sip',
    async start() {
      offs.push(forwardSipEvents(sip.events, ctx.bus));
      // An account that becomes registered, once per change: the device log says when the door can call.
      const states = new Map<string, string>();
      offs.push(
        sip.events.on('registration', (r) => {
          if (states.get(r.account) === r.state) return;
          states.set(r.account, r.state);
          if (r.state === 'registered') log.info({ account: r.account }, 'SIP account registered');
        }),
      );
      offs.push(
        ctx.bus.on('config.changed', (change) => {
          const next = engineSettings(change.config, listen);
          if (JSON.stringify(next) !== JSON.stringify(settings)) {
            settings = next;
            log.info('SIP engine settings changed: restarting the engine');
            serially('restarting the SIP engine', () =>
              sip.replace(factory(next, deps), accountSpecs(ctx.config.get()), running),
            );
          } else if (change.keys.some((k) => k.startsWith('accounts.'))) {
            serially('applying the SIP accounts', () => sip.setAccounts(accountSpecs(ctx.config.get())));
          } else if (!change.keys.some((k) => SETTINGS_KEYS.some((p) => k.startsWith(p)))) {
            return;
          }
        }),
      );
      await sip.setAccounts(accountSpecs(ctx.config.get()));
      await sip.start();
      running = true;
    },
    async stop() {
      for (const off of offs.splice(0)) off();
      running = false;
      await queue;
      await sip.stop();
    },
  };
  return { module, sip };
}

export const sipPart: Part = (ctx) => {
  const { module, sip } = createSipModule(ctx);
  ctx.services.sip = sip;
  return [module];
};
