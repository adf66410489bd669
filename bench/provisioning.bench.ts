/**
 * Provisioning benchmark: a run over HTTP on 127.0.0.1 with a 5,000-line MAC file (fetch of the
 * common file and the MAC file, hash, parse + validate with the autop codec, apply through the
 * config store with its atomic write, the run's record written), each run with new content so
 * that it applies. Also the run with unchanged files (fetch + hash, nothing applied). Reference in
 * the same run: a plain HTTP GET of the same MAC file from the same server (node:http, body read).
 */
import { get } from 'node:http';
import { defaultConfig, writeAutop } from '../agent/config/index.ts';
import { startFileServer } from '../test/harness/http-server.ts';
import { MAC_LOWER, provisioningRig } from '../test/harness/provisioning-rig.ts';
import { fmt, median, percentile, timeIt } from './lib/stats.ts';

const RUNS = 30;

function macFile(i: number): string {
  const parts: string[] = [];
  for (let k = 0; parts.join('\n').split('\n').length < 5000; k++) {
    const c = defaultConfig();
    c.intercom.maxCallTime = 1 + ((i + k) % 100);
    c.identity.location = `Building ${i}-${k}`;
    c.intercom.pushButton.numbers = ['101', '102', `sip:${k}@pbx.example.com`];
    // the file does not move the device to another server, nor change its MAC (its file name)
    parts.push(
      writeAutop(c, { secrets: false })
        .split('\n')
        .filter((l) => !l.startsWith('Config.Autoprovision.') && !l.startsWith('Config.DeviceInfo.DEVICEINFO.MAC'))
        .join('\n'),
    );
  }
  return `${parts.join('\n').split('\n').slice(0, 4999).join('\n')}\nConfig.DeviceInfo.DEVICEINFO.Location = Run ${i}\n`;
}

function plainGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => resolve(n));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const srv = await startFileServer();
const rig = await provisioningRig({ config: { cloud: { autopUrl: `${srv.base}/p/` } } });
try {
  srv.files.set(
    '/p/common.cfg',
    'Config.Features.DOORPHONE.MaxCallTime = 10\nConfig.Settings.CALLTIMEOUT.DialIn = 90\n',
  );
  const files = Array.from({ length: RUNS + 5 }, (_, i) => macFile(i));
  const lines = (files[0] as string).split('\n').length - 1;
  const bytes = Buffer.byteLength(files[0] as string);
  const applied: number[] = [];
  const unchanged: number[] = [];
  const gets: number[] = [];
  for (let i = 0; i < RUNS + 5; i++) {
    srv.files.set(`/p/${MAC_LOWER}`, files[i] as string);
    const ref = await timeIt(() => plainGet(`${srv.base}/p/${MAC_LOWER}`));
    let outcome = '';
    const run = await timeIt(async () => {
      outcome = (await rig.prov.trigger('api').record).outcome;
    });
    if (outcome !== 'applied') throw new Error(`run ${i}: ${outcome}`);
    let again = '';
    const same = await timeIt(async () => {
      again = (await rig.prov.trigger('api').record).outcome;
    });
    if (again !== 'unchanged') throw new Error(`run ${i} again: ${again}`);
    if (i >= 5) {
      applied.push(run);
      unchanged.push(same);
      gets.push(ref);
    }
  }
  const p = (v: number[], q: number) => fmt(percentile(v, q)).padStart(9);
  console.log(`MAC file: ${lines} lines, ${(bytes / 1024).toFixed(0)} KB; ${RUNS} runs after 5 warm-up runs`);
  console.log(
    `${'provisioning run, applied (fetch+parse+validate+apply)'.padEnd(56)} p50 ${p(applied, 50)}  p99 ${p(applied, 99)}   reference (plain HTTP GET of the MAC file): p50 ${fmt(median(gets))}  ratio ${(median(applied) / median(gets)).toFixed(1)}x`,
  );
  console.log(
    `${'provisioning run, unchanged files (fetch+hash)'.padEnd(56)} p50 ${p(unchanged, 50)}  p99 ${p(unchanged, 99)}   reference (plain HTTP GET of the MAC file): p50 ${fmt(median(gets))}  ratio ${(median(unchanged) / median(gets)).toFixed(1)}x`,
  );
} finally {
  await rig.close();
  await srv.close();
}
