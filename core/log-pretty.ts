import { serializeErr, stringify } from './log-json.ts';

/**
 * The development form of a log line (`portier run --pretty`), one line per entry:
 *
 *   12:03:04.567 INFO  [sip] SIP account registered {"account":"1"}
 *
 * local time, level, the `module` binding, the message, then the other bindings and fields as
 * compact JSON. An `err` shows in the fields without its stack; the stack follows, indented.
 */

const LABELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, number> = { 10: 90, 20: 34, 30: 32, 40: 33, 50: 31, 60: 35 };

export type PrettyOptions = { colors: boolean };

export function prettyLine(
  opts: PrettyOptions,
  level: number,
  time: number,
  bindings: Record<string, unknown>,
  obj: object | undefined,
  msg: unknown,
): string {
  const paint = (code: number, s: string) => (opts.colors ? `\x1b[${code}m${s}\x1b[39m` : s);
  const fields: Record<string, unknown> = {};
  let stack: string | undefined;
  let text = msg;
  for (const [key, value] of Object.entries(bindings)) if (key !== 'module') fields[key] = value;
  if (obj) {
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      const value = (obj as Record<string, unknown>)[key];
      if (key === 'msg' && text === undefined) text = value;
      else if (key === 'err') {
        const err = serializeErr(value);
        if (err && typeof err === 'object' && 'stack' in err) {
          const { stack: s, ...rest } = err as Record<string, unknown>;
          if (typeof s === 'string' && s) stack = s;
          fields[key] = rest;
        } else fields[key] = err;
      } else fields[key] = value;
    }
  }
  const module = bindings.module;
  let out = `${paint(90, clock(time))} ${paint(COLORS[level] ?? 39, (LABELS[level] ?? String(level)).padEnd(5))}`;
  if (module !== undefined) out += ` ${paint(36, `[${String(module)}]`)}`;
  if (text !== undefined) out += ` ${typeof text === 'string' ? text : stringify(text)}`;
  const rest = stringify(fields);
  if (rest && rest !== '{}') out += ` ${paint(90, rest)}`;
  if (stack) out += `\n${paint(90, stack.replace(/^/gm, '    '))}`;
  return `${out}\n`;
}

function clock(time: number): string {
  const d = new Date(time);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
