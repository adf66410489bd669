/**
 * The operator's connection to the broker: from the flags, else the environment
 * (PORTIER_FLEET_BROKER, _USERNAME, _PASSWORD, _CA), else a fleet file (`--fleet FILE`, or the one
 * the dev run writes in `<data dir>/dev-broker/fleet.json`). A broker that refuses the credentials
 * or cannot be reached is an error that says so (never with the password).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';

export class FleetError extends Error {}

export type FleetTarget = {
  broker: string;
  username: string;
  password: string;
  ca?: string;
  cert?: string;
  key?: string;
};

export type ConnectFlags = {
  broker?: string;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  fleet?: string;
  'data-dir'?: string;
};

async function readJson(file: string): Promise<Partial<FleetTarget> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Partial<FleetTarget>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FleetError(`${file}: ${(err as Error).message}`);
  }
}

export async function resolveTarget(flags: ConnectFlags, env: NodeJS.ProcessEnv): Promise<FleetTarget> {
  const dataDir = resolve(flags['data-dir'] ?? env.PORTIER_DATA_DIR ?? '.data');
  const fileName = flags.fleet ?? env.PORTIER_FLEET ?? join(dataDir, 'dev-broker', 'fleet.json');
  const file = await readJson(fileName);
  if (flags.fleet && !file) throw new FleetError(`--fleet ${flags.fleet}: no such file`);
  const broker = flags.broker ?? env.PORTIER_FLEET_BROKER ?? file?.broker;
  if (!broker)
    throw new FleetError(
      'no broker: give --broker URL (or PORTIER_FLEET_BROKER, or --fleet FILE); `make run` writes .data/dev-broker/fleet.json',
    );
  const caFile = flags.ca ?? env.PORTIER_FLEET_CA;
  const read = async (what: string, f: string | undefined) => {
    if (!f) return undefined;
    try {
      return await readFile(f, 'utf8');
    } catch (err) {
      throw new FleetError(`--${what} ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return {
    broker,
    username: flags.username ?? env.PORTIER_FLEET_USERNAME ?? file?.username ?? 'operator',
    password: flags.password ?? env.PORTIER_FLEET_PASSWORD ?? file?.password ?? '',
    ca: (await read('ca', caFile)) ?? file?.ca,
    cert: await read('cert', flags.cert),
    key: await read('key', flags.key),
  };
}

export async function connectOperator(t: FleetTarget): Promise<MqttClient> {
  try {
    const client = await mqtt.connectAsync(
      t.broker,
      {
        protocolVersion: 5,
        clientId: `portier-fleet-${randomBytes(4).toString('hex')}`,
        username: t.username,
        password: t.password,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
        ca: t.ca,
        cert: t.cert,
        key: t.key,
      },
      false,
    );
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true); // no 40 ms Nagle stalls
    return client;
  } catch (err) {
    const m = (err as Error).message;
    if (/Not authorized|Bad User Name|bad username|password/i.test(m))
      throw new FleetError(`the broker ${t.broker} refused the credentials of user ${t.username}: ${m}`);
    throw new FleetError(`cannot connect to the broker ${t.broker}: ${m}`);
  }
}
