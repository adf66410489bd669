/**
 * Where the autop server URL comes from, in this order, each one a setting that can be turned off:
 * the static setting (`Config.Autoprovision.SERVER.Url`; empty = off), then DHCP option 66 (TFTP
 * server name → `tftp://<name>/`) or option 43 (a URL) when `Config.Autoprovision.DHCP.Enable` is on,
 * then SIP PnP (the URL a PnP server sent) when `Config.Autoprovision.PNP.Enable` is on.
 */
import type { Config } from '../config/index.ts';
import { type DhcpOptions, urlFromOption66 } from './dhcp.ts';
import type { UrlSource } from './types.ts';

export type ServerUrl = { url: string; source: UrlSource };

export function pickServer(config: Config, dhcp: DhcpOptions, pnpUrl?: string): ServerUrl | undefined {
  const c = config.cloud;
  if (c.autopUrl) return { url: c.autopUrl, source: 'static' };
  if (c.autopDhcp) {
    const u66 = dhcp.option66 ? urlFromOption66(dhcp.option66) : undefined;
    if (u66) return { url: u66, source: 'dhcp-66' };
    if (dhcp.option43) return { url: dhcp.option43, source: 'dhcp-43' };
  }
  if (c.autopPnp && pnpUrl) return { url: pnpUrl, source: 'pnp' };
  return undefined;
}
