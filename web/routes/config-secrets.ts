/**
 * Secrets (SIP, cloud, SMTP, FTP passwords) never leave the device through the config API:
 * a set secret reads as MASK, and a MASK written back means "unchanged".
 */
import { type Config, getAt, leaves, setAt } from '../../agent/config/index.ts';

export const MASK = '********';

const secretPaths = () =>
  leaves()
    .filter((l) => l.meta.secret)
    .map((l) => l.path);

export function maskSecrets(config: Config): Config {
  let out = config;
  for (const path of secretPaths()) if (getAt(out, path)) out = setAt(out, path, MASK);
  return out;
}

/** Replaces each MASK of a patch by the value in force, so that a config read and written back keeps its secrets. */
export function unmaskPatch(patch: unknown, current: Config): unknown {
  let out = patch;
  for (const path of secretPaths()) {
    if (getAt(out, path) === MASK) out = setAt(out, path, getAt(current, path));
  }
  return out;
}
