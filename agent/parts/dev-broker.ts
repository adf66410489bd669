/**
 * The dev run's management cloud: a local mosquitto on 127.0.0.1:18830 with a password file and
 * the per-device ACL of a real deployment, and the dev agent connected to it. So on a laptop the
 * cloud link can be tried at once: `npx portier fleet devices`, then push a job (README, "Cloud
 * link"). The operator's connection is written to `<data>/dev-broker/fleet.json`, where
 * `portier fleet` looks by default. If the cloud settings already name a broker, they are kept.
 * A mosquitto left running by a dev run that was killed (its stop never ran) holds the port: the
 * next dev run ends it (its PID is in `<data>/dev-broker/mosquitto.pid`).
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { endStale, type Module, recordPid, spawnLongLived } from '../../core/index.ts';
import { deviceIdFromMac } from '../cloud/protocol/index.ts';
import type { Part } from '../context.ts';

const run = promisify(execFile);
export const DEV_BROKER_PORT = 18830;
const PID_FILE = 'mosquitto.pid';

type Secrets = { operator: string; device: string };

export const devBrokerPart: Part = (ctx) => {
  if (!ctx.options.devBroker) return [];
  const log = ctx.log.child({ module: 'dev-broker' });
  const dir = join(ctx.options.dataDir, 'dev-broker');
  const url = `mqtt://127.0.0.1:${DEV_BROKER_PORT}`;
  let child: ChildProcess | undefined;

  const secrets = async (): Promise<Secrets> => {
    const file = join(dir, 'secrets.json');
    try {
      return JSON.parse(await readFile(file, 'utf8')) as Secrets;
    } catch {
      const s = { operator: randomBytes(12).toString('base64url'), device: randomBytes(12).toString('base64url') };
      await writeFile(file, JSON.stringify(s), { mode: 0o600 });
      return s;
    }
  };

  const module: Module = {
    name: 'dev-broker',
    async start() {
      const id = deviceIdFromMac(ctx.config.get().identity.mac);
      if (!id) {
        log.warn('no MAC (identity.mac): the dev broker is not started');
        return;
      }
      await mkdir(join(dir, 'data'), { recursive: true, mode: 0o700 });
      const s = await secrets();
      await writeFile(join(dir, 'passwd'), `operator:${s.operator}\n${id}:${s.device}\n`, { mode: 0o600 });
      try {
        await run('mosquitto_passwd', ['-U', join(dir, 'passwd')]);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'mosquitto is not installed (make setup): no dev broker');
        return;
      }
      await writeFile(
        join(dir, 'acl'),
        'pattern readwrite portier/v1/%u/#\n\nuser operator\ntopic readwrite portier/v1/#\n',
      );
      await writeFile(
        join(dir, 'mosquitto.conf'),
        [
          `user ${userInfo().username}`,
          'allow_anonymous false',
          `password_file ${join(dir, 'passwd')}`,
          `acl_file ${join(dir, 'acl')}`,
          'persistence true',
          `persistence_location ${join(dir, 'data')}/`,
          'persistent_client_expiration 14d',
          'set_tcp_nodelay true',
          'log_dest stderr',
          `listener ${DEV_BROKER_PORT} 127.0.0.1`,
          '',
        ].join('\n'),
      );
      await writeFile(
        join(dir, 'fleet.json'),
        `${JSON.stringify({ broker: url, username: 'operator', password: s.operator }, null, 2)}\n`,
        { mode: 0o600 },
      );
      const pidFile = join(dir, PID_FILE);
      await endStale(
        pidFile,
        { program: 'mosquitto', arg: join(dir, 'mosquitto.conf'), label: 'a mosquitto of a previous dev run' },
        log,
      );
      child = spawnLongLived('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n'))
          if (/error|address already in use/i.test(line)) log.warn({ line }, 'mosquitto');
      });
      child.once('exit', (code, signal) => {
        if (child) log.warn({ code, signal }, 'the dev broker exited');
        child = undefined;
      });
      await recordPid(pidFile, child.pid);
      const cloud = ctx.config.get().cloud;
      if (!cloud.brokerUrl || cloud.brokerUrl === url) {
        await ctx.config.apply(
          { cloud: { enabled: true, brokerUrl: url, connectType: 'tcp', username: id, password: s.device } },
          'dev',
        );
      }
      log.info(
        { broker: url, device: id, fleet: join(dir, 'fleet.json') },
        'dev broker ready: try `npx portier fleet devices` (it reads the operator credentials from the fleet file)',
      );
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
      await rm(join(dir, PID_FILE), { force: true });
    },
  };
  return [module];
};
