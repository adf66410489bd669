/**
 * The DHCP options the device's DHCP client handed over: busybox udhcpc's script
 * (rootfs/overlay/etc/portier/udhcpc.script) writes them as `name=value` lines to a file in /run,
 * read again at each run. Option 66 (TFTP server name) comes as `tftp=` (udhcpc's name for it) or
 * `opt66=`; option 43 (vendor specific) as `opt43=`, in hex as udhcpc gives unknown options.
 */
import { readFile } from 'node:fs/promises';

/** Where the device image's DHCP client writes options 66/43 (rootfs/overlay/etc/portier/udhcpc.script). */
export const DHCP_OPTIONS_FILE = '/run/portier/dhcp-options';

export type DhcpOptions = { option66?: string; option43?: string };

const SCHEME = /^(https?|ftp|tftp):\/\/\S+$/i;

export async function readDhcpOptions(file: string): Promise<DhcpOptions> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values[line.slice(0, eq).trim()] = unquote(line.slice(eq + 1).trim());
  }
  const o66 = values.tftp || fromHexIfHex(values.opt66 ?? '');
  const o43 = option43(values.opt43 ?? '');
  return { ...(o66 ? { option66: o66 } : {}), ...(o43 ? { option43: o43 } : {}) };
}

/** Option 66 → the server URL: a name or address → `tftp://<name>/`; a URL (as some servers send) as is. */
export function urlFromOption66(value: string): string | undefined {
  const v = value.trim();
  if (!v) return undefined;
  if (SCHEME.test(v)) return v;
  if (/^[A-Za-z0-9.-]+(:\d+)?$/.test(v) || /^\[[0-9A-Fa-f:]+\](:\d+)?$/.test(v)) return `tftp://${v}/`;
  return undefined;
}

/** Option 43 → a URL: the text itself, or the first vendor sub-option (code, length, value) holding one. */
function option43(raw: string): string | undefined {
  if (!raw) return undefined;
  const text = fromHexIfHex(raw);
  if (SCHEME.test(text)) return text;
  if (/^([0-9a-f]{2})+$/i.test(raw)) {
    const b = Buffer.from(raw, 'hex');
    for (let i = 0; i + 2 <= b.length; ) {
      const len = b[i + 1] as number;
      const v = b.subarray(i + 2, i + 2 + len).toString('utf8');
      if (SCHEME.test(v)) return v;
      i += 2 + len;
    }
  }
  return undefined;
}

function fromHexIfHex(v: string): string {
  if (v.length >= 2 && /^([0-9a-f]{2})+$/i.test(v)) {
    const s = Buffer.from(v, 'hex').toString('utf8').replace(/\0+$/, '');
    if (/^[\x20-\x7e]+$/.test(s)) return s;
  }
  return v;
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith("'") && v.endsWith("'") ? v.slice(1, -1) : v;
}
