/**
 * What the link connects with, from the `cloud` settings: the broker URL with the scheme of the
 * connect type, the device id (the MAC), the credentials and the TLS files. `describe()` is what
 * the log may say: never the password or a key.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/index.ts';
import { deviceIdFromMac } from './protocol/index.ts';

export type ConnectType = Config['cloud']['connectType'];

export const SCHEMES: Record<ConnectType, string> = { tcp: 'mqtt', tls: 'mqtts', wss: 'wss' };
const DEFAULT_PORTS: Record<ConnectType, number> = { tcp: 1883, tls: 8883, wss: 443 };

export type BrokerSettings = {
  url: string;
  deviceId: string;
  username: string;
  password: string;
  connectType: ConnectType;
  /** PEM text of the CA to verify the broker with (else the system store), and the client certificate. */
  ca?: string;
  cert?: string;
  key?: string;
  /** MQTT client id (default: the device id). */
  clientId?: string;
  /** A clean session (nothing queued for the client while it is away); default: a persistent session. */
  cleanStart?: boolean;
};

export type SettingsResult = { ok: true; settings: BrokerSettings } | { ok: false; error: string };

/** The broker URL with the connect type's scheme; host, port and path come from `cloud.brokerUrl`. */
export function effectiveUrl(brokerUrl: string, connectType: ConnectType): string {
  const u = new URL(brokerUrl);
  const port = u.port || String(DEFAULT_PORTS[connectType]);
  const path = connectType === 'wss' ? (u.pathname === '/' || u.pathname === '' ? '/mqtt' : u.pathname) : '';
  return `${SCHEMES[connectType]}://${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${port}${path}`;
}

/** Reads the settings and the TLS files they name; the error names the setting. */
export async function brokerSettings(config: Config): Promise<SettingsResult> {
  const c = config.cloud;
  if (!c.brokerUrl) return { ok: false, error: 'cloud.brokerUrl: is empty' };
  const deviceId = deviceIdFromMac(config.identity.mac);
  if (!deviceId) return { ok: false, error: 'identity.mac: is empty or not a MAC (the device id is the MAC)' };
  let url: string;
  try {
    url = effectiveUrl(c.brokerUrl, c.connectType);
  } catch {
    return { ok: false, error: `cloud.brokerUrl: not a URL: ${c.brokerUrl}` };
  }
  const files: Partial<Record<'ca' | 'cert' | 'key', string>> = {};
  for (const [name, field, path] of [
    ['ca', 'cloud.caFile', c.caFile],
    ['cert', 'cloud.certFile', c.certFile],
    ['key', 'cloud.keyFile', c.keyFile],
  ] as const) {
    if (!path) continue;
    try {
      files[name] = await readFile(path, 'utf8');
    } catch (err) {
      return { ok: false, error: `${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})` };
    }
  }
  if (Boolean(files.cert) !== Boolean(files.key))
    return { ok: false, error: 'cloud.certFile, cloud.keyFile: give both or neither' };
  return {
    ok: true,
    settings: {
      url,
      deviceId,
      username: c.username || deviceId,
      password: c.password,
      connectType: c.connectType,
      ...files,
    },
  };
}

/** For logs and status: where and as whom, nothing secret. */
export function describe(s: BrokerSettings): string {
  return `${s.url} as ${s.username}${s.cert ? ' (client certificate)' : ''}`;
}

/** Same connection? (A change of anything here means reconnecting.) */
export function sameSettings(a: BrokerSettings | undefined, b: BrokerSettings | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
