/**
 * Job types that are part of the protocol but not installed on this device yet: they are refused
 * at receipt with the reason, so the cloud knows at once. The firmware issue (14) plugs its
 * installer in as the `firmware` handler.
 */
import type { JobHandler } from './handler.ts';

export function unsupportedHandler(reason: string): JobHandler {
  return {
    accept: () => reason,
    async run() {
      return { status: 'REJECTED', details: reason };
    },
  };
}

export const FIRMWARE_NOT_YET =
  'firmware updates are not installed on this device yet (they come with the firmware update issue); nothing was downloaded';
