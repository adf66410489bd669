/**
 * zod's functional API (`zod/mini`) with zod's English messages, as core/zod.ts gives the agent: the
 * protocol keeps its own copy so that it imports nothing but zod (fleet/ shares it without the agent).
 * Mini sets no messages of its own; the ones zod writes itself (`Too big: expected number to be
 * <=3600`) reach the operator through describeIssues.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

// Named exports, imported as `import * as z`: the bundler keeps only the parts of zod the agent
// uses (a namespace object exported as a value would keep all of zod/mini: +2.3 MB of RSS).
export * from 'zod/mini';
