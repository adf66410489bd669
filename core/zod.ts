/**
 * zod's functional API (`zod/mini`) with zod's English messages: what the schemas of the agent and of
 * the web API are built with (the cloud protocol has its own copy, agent/cloud/protocol/zod.ts).
 * The classic API (`zod`) loads a layer of its own on top, and all of zod with it: ~2 MB more RSS
 * at start (docs/footprint.md). Mini sets no messages of its own; English is installed here, as
 * classic does, so the messages zod writes itself (`Too big: expected string to have <=64
 * characters`) stay the same.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

// Named exports, imported as `import * as z`: the bundler keeps only the parts of zod the agent
// uses (a namespace object exported as a value would keep all of zod/mini: +2.3 MB of RSS).
export * from 'zod/mini';
