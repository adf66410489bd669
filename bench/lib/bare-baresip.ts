/**
 * The references of the SIP benchmarks: a baresip with the SIP engine's generated config, driven by
 * a bare ctrl_tcp client (no agent in between), and the engine settings the benchmarks use.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildConfig, DEFAULT_MODULE_PATH, listModules } from '../../sip/baresip/config-file.ts';
import type { EngineSettings } from '../../sip/index.ts';
import { freeRtpRange, freeSipPort, freeTcpPort } from '../../test/harness/ports.ts';
import { startProcess } from '../../test/harness/processes.ts';
import { RawCtrl, type RawEvent } from '../../test/harness/raw-ctrl.ts';

export type Stamped = RawEvent & { at: number };

/** Engine settings on free 127.0.0.1 ports, direct IP on. */
export async function benchSettings(): Promise<EngineSettings> {
  const [rtpPortMin, rtpPortMax] = await freeRtpRange(20);
  return {
    listenAddress: '127.0.0.1',
    sipPort: await freeSipPort(2),
    rtpPortMin,
    rtpPortMax,
    audioDevice: '',
    directIp: true,
    displayName: 'Bench',
  };
}

export async function bareBaresip(settings: EngineSettings, dir: string) {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ctrlPort = await freeTcpPort();
  const modules = await listModules(DEFAULT_MODULE_PATH);
  await writeFile(join(dir, 'config'), buildConfig({ settings, ctrlPort, modulePath: DEFAULT_MODULE_PATH, modules }));
  await writeFile(join(dir, 'accounts'), '');
  const proc = startProcess('bare-baresip', 'baresip', ['-f', dir]);
  const events: Stamped[] = [];
  const waiters = new Set<() => void>();
  const ctrl = await RawCtrl.connect(ctrlPort, (e) => {
    if (e.type === 'CALL_RTCP') return;
    events.push({ ...e, at: performance.now() } as Stamped);
    for (const w of [...waiters]) w();
  });
  /** The first `n` events of `type` from index `from` on (default: those still to come). */
  const waitEvent = (type: string, from = events.length, n = 1, timeoutMs = 10_000) =>
    new Promise<Stamped[]>((resolve, reject) => {
      const check = () => {
        const got = events.slice(from).filter((x) => x.type === type);
        if (got.length >= n) {
          done();
          resolve(got.slice(0, n));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`bare baresip: not ${n} ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { proc, ctrl, events, waitEvent };
}
