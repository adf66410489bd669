/**
 * The running firmware's version: /etc/portier/firmware-version on a device image (written by the
 * image build and by `make bundle`, the version in the bundle's manifest), else the agent's version.
 */
import { readFileSync } from 'node:fs';
import { VERSION } from '../version.ts';

export const FIRMWARE_VERSION_FILE = '/etc/portier/firmware-version';

export function firmwareVersion(file = FIRMWARE_VERSION_FILE): string {
  try {
    return readFileSync(file, 'utf8').trim() || VERSION;
  } catch {
    return VERSION;
  }
}
