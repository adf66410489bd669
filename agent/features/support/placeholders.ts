/**
 * Placeholders in action URLs, push button HTTP URLs and email subjects, as door phones use them:
 * `$mac`, `$ip`, `$model`, `$firmware`, `$name`, `$location`, `$time`, `$relay1status` ...
 * Unknown placeholders are left as they are.
 */
import { networkInterfaces } from 'node:os';
import type { RelayState } from '../../../hal/types.ts';
import type { Config } from '../../config/index.ts';
import { VERSION } from '../../version.ts';

export type PlaceholderValues = Record<string, string>;

export function deviceValues(config: Config, relays: RelayState[], now: number): PlaceholderValues {
  const v: PlaceholderValues = {
    mac: config.identity.mac.replaceAll(':', ''),
    ip: firstIpv4(),
    model: config.identity.model,
    firmware: VERSION,
    name: config.identity.name,
    location: config.identity.location,
    time: new Date(now).toISOString(),
  };
  for (const r of relays) v[`relay${r.index + 1}status`] = r.on ? '1' : '0';
  return v;
}

/** Replaces `$name` placeholders; with `url`, values are percent-encoded. */
export function expand(template: string, values: PlaceholderValues, opts: { url?: boolean } = {}): string {
  return template.replace(/\$([A-Za-z][A-Za-z0-9]*)/g, (whole, name: string) => {
    const value = values[name] ?? values[name.toLowerCase()];
    if (value === undefined) return whole;
    return opts.url ? encodeURIComponent(value) : value;
  });
}

function firstIpv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  return '127.0.0.1';
}
