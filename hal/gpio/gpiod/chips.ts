/** Finds GPIO lines by name across every chip of the GPIO character device (/dev/gpiochipN). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HalLineError } from '../../types.ts';
import type { Libc } from './libc.ts';
import { decodeChipInfo, decodeLineInfo, encodeLineInfoRequest, FLAG, IOCTL, SIZE } from './uapi.ts';

export type FoundLine = { name: string; chip: string; offset: number; used: boolean; consumer: string };

export function listChips(devDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(devDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^gpiochip\d+$/.test(n))
    .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
    .map((n) => join(devDir, n));
}

/** Every named line of every chip; the first chip wins when two carry the same name. */
export function scanLines(libc: Libc, devDir: string): Map<string, FoundLine> {
  const found = new Map<string, FoundLine>();
  for (const chip of listChips(devDir)) {
    let fd: number;
    try {
      fd = libc.open(chip);
    } catch {
      continue; // a chip we may not open is not ours
    }
    try {
      const info = Buffer.alloc(SIZE.chipInfo);
      libc.ioctl(fd, IOCTL.GET_CHIPINFO, info);
      const { lines } = decodeChipInfo(info);
      for (let offset = 0; offset < lines; offset++) {
        const buf = encodeLineInfoRequest(offset);
        libc.ioctl(fd, IOCTL.GET_LINEINFO, buf);
        const li = decodeLineInfo(buf);
        if (!li.name || found.has(li.name)) continue;
        found.set(li.name, {
          name: li.name,
          chip,
          offset,
          used: (li.flags & FLAG.USED) !== 0n,
          consumer: li.consumer,
        });
      }
    } finally {
      libc.close(fd);
    }
  }
  return found;
}

/** Looks `names` up; throws a HalLineError naming the first line that is missing or busy. */
export function findLines(libc: Libc, devDir: string, names: string[]): FoundLine[] {
  const all = scanLines(libc, devDir);
  return names.map((name) => {
    const l = all.get(name);
    if (!l) {
      const chips = listChips(devDir).length;
      throw new HalLineError(
        name,
        chips ? `not found on any GPIO chip (${chips} chip(s) in ${devDir})` : `not found: no GPIO chip in ${devDir}`,
      );
    }
    if (l.used) throw new HalLineError(name, `busy (used by "${l.consumer}" on ${l.chip})`);
    return l;
  });
}
