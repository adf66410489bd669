import { jsonBindings, jsonLine, processBindings } from './log-json.ts';
import { prettyLine } from './log-pretty.ts';
import { type LogDestination, stdoutSink } from './log-sink.ts';

/**
 * The agent's log: JSON lines in pino's format (core/log-json.ts), written synchronously to
 * stdout or to a destination; no worker thread, no dependency.
 */

export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type LogLevel = keyof typeof LEVELS;

/** `log.info('text')`, `log.info({ account: '1' }, 'text')`, `log.error(err)`, `log.error(err, 'text')`. */
export type LogFn = (objOrMsg: unknown, msg?: string) => void;

export interface Logger {
  /** The lowest level written, `silent` for none. A child follows its parent's until set on it. */
  level: string;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger whose lines carry these fields too (after its parent's): `log.child({ module: 'sip' })`. */
  child(bindings: Record<string, unknown>): Logger;
}

export type LogOptions = {
  level?: string;
  /** One readable, colored line per entry instead of JSON (development). */
  pretty?: boolean;
  /** Colors in the pretty form; default: when the destination is a terminal and NO_COLOR is unset. */
  colors?: boolean;
  /** Where lines go; default: stdout, written synchronously. */
  destination?: LogDestination;
  /** The clock of the `time` field (ms since the epoch); default Date.now. */
  now?: () => number;
};

/** How one logger tree turns an entry into a line. */
type Output = {
  sink: LogDestination;
  now: () => number;
  line(level: number, time: number, node: Bound, obj: object | undefined, msg: unknown): string;
};
/** The bindings of one logger: as a JSON chunk, and as fields (for the pretty form). */
type Bound = { json: string; fields: Record<string, unknown> };

function levelValue(level: string): number {
  const value = LEVELS[level as LogLevel];
  if (value === undefined)
    throw new Error(`log level: unknown level '${level}' (one of ${Object.keys(LEVELS).join(', ')})`);
  return value;
}

class JsonLogger implements Logger {
  #out: Output;
  #bound: Bound;
  #parent: JsonLogger | undefined;
  #level: LogLevel | undefined;

  constructor(out: Output, bound: Bound, parent: JsonLogger | undefined, level: LogLevel | undefined) {
    this.#out = out;
    this.#bound = bound;
    this.#parent = parent;
    this.#level = level;
  }

  get level(): string {
    return this.#level ?? this.#parent?.level ?? 'info';
  }

  set level(level: string) {
    levelValue(level);
    this.#level = level as LogLevel;
  }

  child(bindings: Record<string, unknown>): Logger {
    const bound = { json: this.#bound.json + jsonBindings(bindings), fields: { ...this.#bound.fields, ...bindings } };
    return new JsonLogger(this.#out, bound, this, undefined);
  }

  trace(objOrMsg: unknown, msg?: string): void {
    this.#write(10, objOrMsg, msg);
  }
  debug(objOrMsg: unknown, msg?: string): void {
    this.#write(20, objOrMsg, msg);
  }
  info(objOrMsg: unknown, msg?: string): void {
    this.#write(30, objOrMsg, msg);
  }
  warn(objOrMsg: unknown, msg?: string): void {
    this.#write(40, objOrMsg, msg);
  }
  error(objOrMsg: unknown, msg?: string): void {
    this.#write(50, objOrMsg, msg);
  }
  fatal(objOrMsg: unknown, msg?: string): void {
    this.#write(60, objOrMsg, msg);
  }

  #threshold(): number {
    return LEVELS[this.level as LogLevel];
  }

  /** pino's rules: an object (or Error, as `err`) then the message; else the first argument is the message. */
  #write(level: number, first: unknown, second: unknown): void {
    if (level < this.#threshold()) return;
    let obj: object | undefined;
    let msg: unknown = second;
    if (first === null && second === undefined) msg = null;
    else if (first instanceof Error) {
      obj = { err: first };
      if (msg === undefined) msg = first.message;
    } else if (typeof first === 'object' && first !== null) {
      obj = first;
      const o = first as { msg?: unknown; err?: { message?: unknown } };
      if (msg === undefined && o.msg === undefined && o.err) msg = o.err.message;
    } else if (first !== undefined && first !== null) msg = first;
    const out = this.#out;
    out.sink.write(out.line(level, out.now(), this.#bound, obj, msg));
  }
}

/** The root logger; modules get `log.child({ module: 'sip' })`. */
export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  levelValue(level);
  const sink = opts.destination ?? stdoutSink();
  const colors =
    opts.pretty &&
    (opts.colors ??
      (!process.env.NO_COLOR && (opts.destination ? isTty(opts.destination) : process.stdout.isTTY === true)));
  const out: Output = {
    sink,
    now: opts.now ?? Date.now,
    line: opts.pretty
      ? (lv, time, node, obj, msg) => prettyLine({ colors: !!colors }, lv, time, node.fields, obj, msg)
      : (lv, time, node, obj, msg) => jsonLine(lv, time, node.json, obj, msg),
  };
  return new JsonLogger(out, { json: opts.pretty ? '' : processBindings(), fields: {} }, undefined, level as LogLevel);
}

const isTty = (d: LogDestination) => (d as { isTTY?: boolean }).isTTY === true;

/** A logger that drops everything: for unit tests. */
export function silentLogger(): Logger {
  return createLogger({ level: 'silent', destination: { write: () => {} } });
}
