import { type Logger, pino } from 'pino';

export type { Logger };

export type LogOptions = { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream };

/** The root logger; modules get `log.child({ module: 'sip' })`. */
export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? 'info';
  if (opts.pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', messageKey: 'msg' } },
    });
  }
  return opts.destination ? pino({ level }, opts.destination) : pino({ level });
}

/** A logger that drops everything: for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
