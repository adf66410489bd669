/**
 * The firmware part: RAUC-driven updates (agent/firmware) when the device has A/B slots (RAUC's
 * /etc/rauc/system.conf and the rauc CLI: the A/B image of `make bundle`), else the service says
 * why updates are not possible. The health checks of each boot: config loaded (the agent got this
 * far), HAL, SIP engine and web server running, every SIP account registered, the web port answers.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, httpStream } from '../../core/index.ts';
import type { Part } from '../context.ts';
import { execCommand, Firmware, Rauc } from '../firmware/index.ts';

const RAUC_CONF = '/etc/rauc/system.conf';
const RAUC_BIN = '/usr/bin/rauc';
/** The boot stage's run directory: `good` there tells the boot watchdog the slot was marked good. */
const BOOT_RUN_DIR = '/run/portier-boot';

/** The health check of the web server: undefined when its port answers on 127.0.0.1, else why not. */
export async function webServerProblem(port: number): Promise<string | undefined> {
  try {
    // any answer will do: with HTTPS on, the HTTP port answers with a redirect
    const res = await httpStream(`http://127.0.0.1:${port}/api/v1/auth/state`, { redirect: 'manual', timeoutMs: 5000 });
    res.body.destroy(); // the status is enough
  } catch (err) {
    return `the web server does not answer: ${errorMessage(err)}`;
  }
  return undefined;
}

export const firmwarePart: Part = (ctx) => {
  const log = ctx.log.child({ module: 'firmware' });
  const available = existsSync(RAUC_CONF) && existsSync(RAUC_BIN);
  const firmware = new Firmware({
    dir: join(ctx.options.dataDir, 'firmware'),
    clock: ctx.clock,
    log,
    rauc: available ? new Rauc({ exec: execCommand, bin: RAUC_BIN }) : undefined,
    unavailableReason: available
      ? undefined
      : `this device has no A/B slots (no RAUC: ${RAUC_CONF} or ${RAUC_BIN} missing)`,
    version: ctx.firmwareVersion,
    busy: () => ctx.callsInProgress() > 0,
    health: async () => {
      const modules = ctx.services.modules?.() ?? {};
      for (const name of ['hal', 'sip', 'web'])
        if (modules[name]?.state !== 'running') return `${name} is ${modules[name]?.state ?? 'not started'}`;
      const down = (ctx.services.sip?.registrations() ?? []).filter((r) => r.state !== 'registered');
      if (down.length) return `SIP account ${down.map((r) => r.account).join(', ')} not registered`;
      return webServerProblem(ctx.config.get().web.port);
    },
    reboot: () => {
      log.warn('rebooting the device');
      spawn('/usr/sbin/reboot', [], { detached: true, stdio: 'ignore' }).unref();
    },
    markedGood: async () => {
      if (existsSync(BOOT_RUN_DIR)) await writeFile(join(BOOT_RUN_DIR, 'good'), `${ctx.clock.now()}\n`);
    },
  });
  ctx.services.firmware = firmware.service();
  firmware.on((u) => ctx.bus.emit('firmware.update', u));
  // a cloud firmware job that ends before it ran (cancelled, timed out) no longer offers its version
  ctx.bus.on('cloud.job', (j) => {
    if (j.type === 'firmware' && !['QUEUED', 'IN_PROGRESS'].includes(j.status))
      void ctx.services.firmware?.withdraw(j.id);
  });
  return [firmware];
};
