/** The agent's version (the firmware version reported to the UI, the API and the cloud). */
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
