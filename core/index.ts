/** The small shared core every part builds on: time, typed events, lifecycle, logging. */
export { type Clock, FakeClock, RealClock, type TimerHandle } from './clock.ts';
export { type Listener, TypedEmitter } from './emitter.ts';
export { HttpError, type HttpRequestFn, type HttpStreamFn, httpRequest, httpStream } from './http-client.ts';
export { createLogger, type LogFn, type Logger, type LogLevel, type LogOptions, silentLogger } from './log.ts';
export type { LogDestination } from './log-sink.ts';
export { shieldChildrenFromTerminal, spawnLongLived } from './long-lived-child.ts';
export { errorMessage, type Module, ModuleHost, type ModuleState } from './module.ts';
export { endStale, recordPid } from './stale-child.ts';
