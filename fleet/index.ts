/**
 * `portier fleet ...`: the operator side of the cloud protocol (its reference implementation). It
 * shares the protocol's types with the agent (agent/cloud/protocol) and imports nothing else of it.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { MqttClient } from 'mqtt';
import { DEVICE_ID, type JobDocument } from '../agent/cloud/protocol/index.ts';
import { connectOperator, FleetError, resolveTarget } from './connect.ts';
import { listDevices } from './devices.ts';
import { cancelJob, jobsTable, listJobs, type Out, sendJob } from './jobs.ts';
import { table } from './table.ts';
import { watch } from './watch.ts';
import { openWeb } from './web.ts';

export const FLEET_USAGE = `usage: portier fleet <command> [connection options]

  devices [--json]                          every device: id, name, location, model, role, firmware, online, last connected
  autop ID FILE [--once]                    push autop lines (standing commands, or --once); --clear clears the standing ones
  reboot ID [--max-wait S]                  restart the device once no call is in progress (at most S seconds of waiting)
  message ID --title T --text X             a message for an indoor monitor
  firmware ID URL --version V [--sha256 H] [--at TIME]
                                            a firmware update job (at TIME, ISO 8601)
  jobs ID [--json]                          the device's jobs and their states
  cancel ID JOB                             cancel a job that has not started its irreversible part
  watch [ID] [--json] [--count N]           live events and status changes
  web ID [--port P] [--ttl S]               the device's web UI on http://127.0.0.1:P/ through the link (TTL S seconds, default 900)

Job commands wait for the end state (--timeout S, default 60) unless --no-wait; an offline device
gets its job when it connects (the job is QUEUED). --at/--not-before and --expires set the job's times.

Connection: --broker URL --username U --password P --ca FILE [--cert FILE --key FILE], or
PORTIER_FLEET_BROKER/_USERNAME/_PASSWORD/_CA, or --fleet FILE (JSON {broker, username, password, ca});
default: <data dir>/dev-broker/fleet.json, written by the dev run (make run).`;

class UsageError extends Error {}

const OPTIONS = {
  broker: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  fleet: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  once: { type: 'boolean' },
  clear: { type: 'boolean' },
  'max-wait': { type: 'string' },
  title: { type: 'string' },
  text: { type: 'string' },
  version: { type: 'string' },
  sha256: { type: 'string' },
  at: { type: 'string' },
  'not-before': { type: 'string' },
  expires: { type: 'string' },
  timeout: { type: 'string' },
  'no-wait': { type: 'boolean' },
  wait: { type: 'boolean' },
  count: { type: 'string' },
  'job-id': { type: 'string' },
  port: { type: 'string' },
  ttl: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Runs a fleet command; resolves with the exit code (0 ok, 1 failed, 2 usage). */
export async function fleetMain(argv: string[], out: Out = { log: (l) => console.log(l) }): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${FLEET_USAGE}`);
    return 2;
  }
  const [cmd, ...args] = positionals;
  if (values.help || !cmd) {
    console.log(FLEET_USAGE);
    return values.help ? 0 : 2;
  }
  let client: MqttClient | undefined;
  try {
    const target = await resolveTarget(values, process.env);
    const run = async () => {
      client = await connectOperator(target);
      return client;
    };
    return await dispatch(cmd, args, values, run, out);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${FLEET_USAGE}`);
      return 2;
    }
    console.error(err instanceof FleetError ? err.message : `error: ${(err as Error).message}`);
    return 1;
  } finally {
    await (client as MqttClient | undefined)?.endAsync().catch(() => {});
  }
}

function deviceArg(args: string[], cmd: string): string {
  const id = (args[0] ?? '').replace(/[:-]/g, '').toLowerCase();
  if (!args[0]) throw new UsageError(`${cmd} needs a device id`);
  if (!DEVICE_ID.test(id)) throw new UsageError(`${args[0]}: not a device id (the MAC, e.g. 0c1105000001)`);
  return id;
}

function seconds(v: string | undefined, name: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name}: must be a number of seconds`);
  return n;
}

function time(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`--${name}: not a time (ISO 8601, e.g. 2026-12-01T03:00:00Z)`);
  return new Date(t).toISOString();
}

async function dispatch(
  cmd: string,
  args: string[],
  v: Values,
  connect: () => Promise<MqttClient>,
  out: Out,
): Promise<number> {
  const timing = (): Pick<JobDocument, 'notBefore' | 'expiresAt'> => {
    const notBefore = time(v.at ?? v['not-before'], v.at ? 'at' : 'not-before');
    const expiresAt = time(v.expires, 'expires');
    return { ...(notBefore ? { notBefore } : {}), ...(expiresAt ? { expiresAt } : {}) };
  };
  const job = async (id: string, doc: JobDocument) => {
    // an offline device's job waits in the broker: the command waits for it only with --wait
    const wait = v['no-wait'] ? 'never' : v.wait ? 'always' : 'online';
    const { last, offline } = await sendJob(await connect(), id, doc, out, {
      timeoutMs: seconds(v.timeout, 'timeout', 60) * 1000,
      wait,
      ...(v['job-id'] ? { jobId: v['job-id'] } : {}),
    });
    if (last.status === 'SUCCEEDED') return 0;
    const handedOver = last.status === 'QUEUED' && (wait === 'never' || (offline && wait === 'online'));
    return handedOver ? 0 : 1;
  };
  switch (cmd) {
    case 'devices': {
      const rows = await listDevices(await connect());
      if (v.json) out.log(JSON.stringify(rows, null, 2));
      else
        out.log(
          table(
            ['ID', 'NAME', 'LOCATION', 'MODEL', 'ROLE', 'FIRMWARE', 'ONLINE', 'LAST CONNECTED'],
            rows.map((r) => [
              r.id,
              r.name ?? '',
              r.location ?? '',
              r.model ?? '',
              r.role ?? '',
              r.firmware ?? '',
              r.state === 'online' ? 'yes' : 'no',
              r.connectedAt ?? '',
            ]),
          ),
        );
      return 0;
    }
    case 'autop': {
      const id = deviceArg(args, cmd);
      let lines = '';
      if (!v.clear) {
        if (!args[1]) throw new UsageError('autop needs FILE (or --clear)');
        lines = await readFile(args[1], 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new FleetError(`${args[1]}: ${err.code ?? err.message}`);
        });
      }
      return job(id, { type: 'autop', lines, ...(v.once ? { once: true } : {}), ...timing() });
    }
    case 'reboot': {
      const id = deviceArg(args, cmd);
      const maxWait = v['max-wait'] === undefined ? {} : { maxWait: Math.round(seconds(v['max-wait'], 'max-wait', 0)) };
      return job(id, { type: 'reboot', ...maxWait, ...timing() });
    }
    case 'message': {
      const id = deviceArg(args, cmd);
      if (!v.title || !v.text) throw new UsageError('message needs --title and --text');
      return job(id, { type: 'message', title: v.title, text: v.text, ...timing() });
    }
    case 'firmware': {
      const id = deviceArg(args, cmd);
      if (!args[1] || !v.version) throw new UsageError('firmware needs URL and --version');
      return job(id, {
        type: 'firmware',
        url: args[1],
        version: v.version,
        ...(v.sha256 ? { sha256: v.sha256 } : {}),
        ...timing(),
      });
    }
    case 'jobs': {
      const id = deviceArg(args, cmd);
      const rows = await listJobs(await connect(), id);
      out.log(v.json ? JSON.stringify(rows, null, 2) : jobsTable(rows));
      return 0;
    }
    case 'cancel': {
      const id = deviceArg(args, cmd);
      if (!args[1]) throw new UsageError('cancel needs the job id');
      const s = await cancelJob(await connect(), id, args[1], out, seconds(v.timeout, 'timeout', 10) * 1000);
      return s?.status === 'CANCELED' ? 0 : 1;
    }
    case 'watch': {
      const device = args[0] ? deviceArg(args, cmd) : undefined;
      const count = v.count === undefined ? undefined : Number(v.count);
      await watch(await connect(), out, { ...(device ? { device } : {}), ...(count ? { count } : {}), json: v.json });
      return 0;
    }
    case 'web': {
      const id = deviceArg(args, cmd);
      const port = Number(v.port ?? 0);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port: must be a port number');
      const ttl = v.ttl === undefined ? undefined : Math.round(seconds(v.ttl, 'ttl', 900));
      return openWeb(await connect(), id, out, { port, ...(ttl ? { ttl } : {}) });
    }
    default:
      throw new UsageError(`unknown fleet command: ${cmd}`);
  }
}
