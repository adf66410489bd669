/** `portier`: runs the agent and reads or changes its configuration. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, errorMessage, RealClock, silentLogger } from '../core/index.ts';
import {
  ConfigError,
  ConfigStore,
  decodeValue,
  findLeaf,
  formatAutopProblems,
  getAt,
  jsonSchema,
  readAutop,
  setAt,
  writeAutop,
} from './config/index.ts';
import { runAgent } from './main.ts';

const USAGE = `usage: portier <command> [--data-dir DIR]

  run [--hal sim|gpiod] [--dev [--no-monitor|--auto-monitor] [--no-broker]] [--bind ADDR] [--sip-address ADDR] [--log-level L] [--pretty]
                                    run the agent (--dev: development run on 127.0.0.1 with a
                                    local indoor monitor, a second Portier agent (web 8081, SIP
                                    5070), unless --no-monitor; --auto-monitor: an automatic one
                                    that answers and sends the door code instead; and a
                                    local MQTT broker on port 18830, unless --no-broker;
                                    --bind: address of the web UI/API; --sip-address: address of
                                    the SIP engine; both default 0.0.0.0, 127.0.0.1 with --dev)
  config get [KEY]                  print the config, or one setting (schema path or autop key)
  config set KEY=VALUE...           change settings; all or nothing
  config export                     print the config as an autop file
  config import FILE [--lenient]    apply an autop file (strict: any problem and nothing changes)
  autop check FILE [--lenient]      report what importing FILE would do, change nothing
  autop run                         provision from the autop server now (common file, then <MAC>.cfg)
  schema                            print the JSON Schema of the config
  fleet <command> ...               the operator tool of the cloud link (portier fleet --help)

The data dir is --data-dir, else $PORTIER_DATA_DIR, else ./.data`;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'fleet') return (await import('../fleet/index.ts')).fleetMain(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      hal: { type: 'string' },
      dev: { type: 'boolean' },
      'no-monitor': { type: 'boolean' },
      'auto-monitor': { type: 'boolean' },
      'no-broker': { type: 'boolean' },
      bind: { type: 'string' },
      'sip-address': { type: 'string' },
      'log-level': { type: 'string' },
      pretty: { type: 'boolean' },
      lenient: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const dataDir = resolve(values['data-dir'] ?? process.env.PORTIER_DATA_DIR ?? '.data');
  const dhcpOptionsFile = process.env.PORTIER_DHCP_OPTIONS;
  const [cmd, sub, ...rest] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const log = createLogger({ level: values['log-level'] ?? (cmd === 'run' ? 'info' : 'warn'), pretty: values.pretty });
  const store = () => new ConfigStore({ dataDir, clock: new RealClock(), log });

  switch (`${cmd} ${cmd === 'run' || cmd === 'schema' ? '' : (sub ?? '')}`.trim()) {
    case 'run': {
      const hal = values.hal ?? 'sim';
      if (hal !== 'sim' && hal !== 'gpiod') throw new UsageError('--hal must be sim or gpiod');
      await runAgent(
        {
          dataDir,
          hal,
          dev: values.dev ?? false,
          devMonitor: values.dev && !values['no-monitor'] ? (values['auto-monitor'] ? 'auto' : 'portier') : false,
          devBroker: (values.dev ?? false) && !values['no-broker'],
          ...(values.bind ? { bind: values.bind } : {}),
          ...(values['sip-address'] ? { sipAddress: values['sip-address'] } : {}),
          ...(dhcpOptionsFile ? { dhcpOptionsFile } : {}),
        },
        log,
      );
      return -1; // keeps running
    }
    case 'schema':
      console.log(JSON.stringify(jsonSchema(), null, 2));
      return 0;
    case 'config get': {
      const s = store();
      await loadReporting(s);
      const key = rest[0];
      if (!key) {
        console.log(JSON.stringify(s.get(), null, 2));
        return 0;
      }
      const leaf = findLeaf(key);
      const path = leaf?.path ?? key.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      const value = getAt(s.get(), path);
      if (value === undefined) throw new UsageError(`${key}: no such setting`);
      console.log(typeof value === 'object' ? JSON.stringify(value, null, 2) : String(value));
      return 0;
    }
    case 'config set': {
      if (rest.length === 0) throw new UsageError('config set needs KEY=VALUE');
      const problems: string[] = [];
      const changes: { path: (string | number)[]; value: unknown }[] = [];
      for (const arg of rest) {
        const eq = arg.indexOf('=');
        const key = eq > 0 ? arg.slice(0, eq) : arg;
        const leaf = findLeaf(key);
        if (eq <= 0) problems.push(`${arg}: expected KEY=VALUE`);
        else if (!leaf) problems.push(`${key}: no such setting`);
        else {
          const d = decodeValue(leaf, arg.slice(eq + 1));
          if (d.ok) changes.push({ path: leaf.path, value: d.value });
          else problems.push(`${leaf.key}: ${d.error}`);
        }
      }
      if (problems.length) return fail(problems.join('\n'));
      const s = store();
      await loadReporting(s);
      const change = await s.update((c) => changes.reduce((acc, ch) => setAt(acc, ch.path, ch.value), c), 'cli');
      console.log(change.keys.length ? `changed: ${change.keys.join(', ')}` : 'no change');
      return 0;
    }
    case 'config export': {
      const s = store();
      await loadReporting(s);
      process.stdout.write(writeAutop(s.get(), { header: [`${s.get().identity.model} ${s.get().identity.mac}`] }));
      return 0;
    }
    case 'config import':
    case 'autop check': {
      const file = rest[0];
      if (!file) throw new UsageError(`${cmd} ${sub} needs FILE`);
      const text = await readFile(file, 'utf8');
      const s = store();
      await loadReporting(s);
      const r = readAutop(text, s.get(), { lenient: values.lenient });
      if (r.problems.length) console.error(formatAutopProblems(r.problems));
      const write = cmd === 'config' && r.config !== undefined;
      if (write) await s.replace(r.config, 'autop');
      const verb = write ? 'applied' : r.config ? 'would apply' : 'applied';
      const n = r.config ? r.applied.length : 0;
      console.error(
        `${file}: ${verb} ${n} line(s), ${r.problems.length} problem(s)${r.problems.length && !r.config ? ', nothing changed' : ''}`,
      );
      return r.problems.length ? 1 : 0;
    }
    case 'autop run': {
      const s = store();
      await loadReporting(s);
      const { runFromCli, formatRecord } = await import('./provisioning/index.ts');
      // the record is printed: no log lines on stdout
      const r = await runFromCli({
        dataDir,
        store: s,
        clock: new RealClock(),
        log: silentLogger(),
        ...(dhcpOptionsFile ? { dhcpOptionsFile } : {}),
      });
      console.log(formatRecord(r));
      return r.outcome === 'applied' || r.outcome === 'unchanged' ? 0 : 1;
    }
    default:
      throw new UsageError(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
  }
}

async function loadReporting(s: ConfigStore): Promise<void> {
  const r = await s.load();
  for (const w of r.warnings) console.error(`warning: ${w}`);
}

function fail(message: string): number {
  console.error(message);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof UsageError) console.error(err.message);
    else console.error(`error: ${errorMessage(err)}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
