/** Call log and door log: bounded, persisted, newest first. */
export { callLogEntry } from './call-entry.ts';
export { JsonlLog } from './jsonl-log.ts';
export * from './types.ts';
