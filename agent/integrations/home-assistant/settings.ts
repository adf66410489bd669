/**
 * What the Home Assistant connection connects with, from the `homeAssistant` settings: the broker
 * URL (its scheme picks TCP, TLS or a WebSocket over TLS), the credentials, the CA file, the
 * discovery prefix. A clean session: a command sent while the device was away must not be
 * delivered later (it could open the door long after it was asked).
 */
import { readFile } from 'node:fs/promises';
import type { BrokerSettings } from '../../cloud/index.ts';
import { protocol } from '../../cloud/index.ts';
import type { Config } from '../../config/index.ts';

export type HaSettings = { broker: BrokerSettings; prefix: string; deviceId: string };
export type HaSettingsResult = { ok: true; settings: HaSettings } | { ok: false; error: string };

const CONNECT_TYPES: Record<string, BrokerSettings['connectType']> = {
  'mqtt:': 'tcp',
  'mqtts:': 'tls',
  'wss:': 'wss',
};

/** A topic level path without wildcards or empty levels. */
const PREFIX = /^[^#+/\s]+(\/[^#+/\s]+)*$/;

/** Reads the settings and the CA file they name; the error names the setting. */
export async function haSettings(config: Config): Promise<HaSettingsResult> {
  const h = config.homeAssistant;
  if (!h.brokerUrl) return { ok: false, error: 'homeAssistant.brokerUrl: is empty' };
  if (!PREFIX.test(h.discoveryPrefix))
    return { ok: false, error: 'homeAssistant.discoveryPrefix: must be a topic without +, # or empty levels' };
  const deviceId = protocol.deviceIdFromMac(config.identity.mac);
  if (!deviceId) return { ok: false, error: 'identity.mac: is empty or not a MAC (the device id is the MAC)' };
  let url: URL;
  try {
    url = new URL(h.brokerUrl);
  } catch {
    return { ok: false, error: `homeAssistant.brokerUrl: not a URL: ${h.brokerUrl}` };
  }
  const connectType = CONNECT_TYPES[url.protocol];
  if (!connectType) return { ok: false, error: 'homeAssistant.brokerUrl: must start with mqtt://, mqtts:// or wss://' };
  let ca: string | undefined;
  if (h.caFile) {
    try {
      ca = await readFile(h.caFile, 'utf8');
    } catch (err) {
      return {
        ok: false,
        error: `homeAssistant.caFile: cannot read ${h.caFile} (${(err as NodeJS.ErrnoException).code ?? err})`,
      };
    }
  }
  return {
    ok: true,
    settings: {
      deviceId,
      prefix: h.discoveryPrefix,
      broker: {
        url: h.brokerUrl,
        deviceId,
        username: h.username,
        password: h.password,
        connectType,
        ...(ca ? { ca } : {}),
        clientId: `portier-ha-${deviceId}`,
        cleanStart: true,
      },
    },
  };
}
