import { hostname } from 'node:os';

/**
 * The log line as pino (v10, default options) writes it, so that what reads the agent's log
 * (tests, benches, the device console) sees the same bytes:
 *
 *   {"level":30,"time":1700000000000,"pid":1,"hostname":"h","module":"sip","account":"1","msg":"…"}
 *
 * `level`, `time`, `pid`, `hostname`, then the child bindings (root to leaf), then the fields of
 * the object logged, then `msg`. A key bound twice is written twice, as pino does (JSON.parse keeps
 * the last one, the leaf's). `err` goes through pino's standard error serializer.
 */

/** The chunk every line of this process carries after `time`. */
export function processBindings(): string {
  return `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
}

/** `,"key":value` for each own field of a child's bindings (`level` is not a binding). */
export function jsonBindings(bindings: object): string {
  let out = '';
  for (const key in bindings) {
    if (!Object.hasOwn(bindings, key) || key === 'level') continue;
    let value = (bindings as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (key === 'err') value = serializeErr(value);
    const json = stringify(value);
    if (json !== undefined) out += `,${JSON.stringify(key)}:${json}`;
  }
  return out;
}

/** One line, newline included. `bound` is the chunk of the process and child bindings. */
export function jsonLine(level: number, time: number, bound: string, obj: object | undefined, msg: unknown): string {
  let out = `{"level":${level},"time":${time}${bound}`;
  if (obj) {
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      let value = (obj as Record<string, unknown>)[key];
      if (value === undefined) continue;
      if (key === 'err') value = serializeErr(value);
      const json = fieldJson(value);
      if (json !== undefined) out += `,${JSON.stringify(key)}:${json}`;
    }
  }
  if (msg !== undefined) {
    const json = fieldJson(msg);
    if (json !== undefined) out += `,"msg":${json}`;
  }
  return `${out}}\n`;
}

function fieldJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'undefined':
    case 'function':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return String(value);
    case 'string':
      return JSON.stringify(value);
    default:
      return stringify(value);
  }
}

/** JSON.stringify, and where it throws (a circular reference, a BigInt) the safe form pino falls back to. */
export function stringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    try {
      return safeJson(value, '', []);
    } catch {
      return '"[unable to serialize, circular reference is too complex to analyze]"';
    }
  }
}

const MAX_DEPTH = 5;
const MAX_BREADTH = 100;

/**
 * pino's fallback (safe-stable-stringify with depth 5, breadth 100): keys sorted, a reference to an
 * ancestor as "[Circular]", a BigInt as its digits, what is nested deeper as "[Object]" / "[Array]".
 */
function safeJson(input: unknown, key: string, ancestors: object[]): string | undefined {
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (k: string) => unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object': {
      if (value === null) return 'null';
      if (ancestors.includes(value)) return '"[Circular]"';
      if (ancestors.length >= MAX_DEPTH) return Array.isArray(value) ? '"[Array]"' : '"[Object]"';
      ancestors.push(value);
      try {
        return Array.isArray(value) ? safeArray(value, ancestors) : safeObject(value, ancestors);
      } finally {
        ancestors.pop();
      }
    }
    default:
      return undefined;
  }
}

function safeArray(value: unknown[], ancestors: object[]): string {
  const items: string[] = [];
  const n = Math.min(value.length, MAX_BREADTH);
  for (let i = 0; i < n; i++) items.push(safeJson(value[i], String(i), ancestors) ?? 'null');
  if (value.length > n) items.push(`"... ${itemCount(value.length - n - 1)} not stringified"`);
  return `[${items.join(',')}]`;
}

function safeObject(value: object, ancestors: object[]): string {
  const keys = Object.keys(value).sort();
  const fields: string[] = [];
  for (const key of keys.slice(0, MAX_BREADTH)) {
    const json = safeJson((value as Record<string, unknown>)[key], key, ancestors);
    if (json !== undefined) fields.push(`${JSON.stringify(key)}:${json}`);
  }
  if (keys.length > MAX_BREADTH) fields.push(`"...":"${itemCount(keys.length - MAX_BREADTH)} not stringified"`);
  return `{${fields.join(',')}}`;
}

const itemCount = (n: number) => (n === 1 ? '1 item' : `${n} items`);

const isErrorLike = (v: unknown): v is { message: string; stack?: unknown; cause?: unknown } =>
  !!v && typeof (v as { message?: unknown }).message === 'string';

/** pino-std-serializers' `err`: type, message and stack (with their causes), then the error's own fields. */
export function serializeErr(err: unknown, seen = new Set<object>()): unknown {
  if (!isErrorLike(err)) return err;
  seen.add(err);
  const ctor = (err as { constructor?: unknown }).constructor;
  const out: Record<string, unknown> = {
    type: typeof ctor === 'function' ? ctor.name : (err as { name?: unknown }).name,
    message: messageWithCauses(err, new Set(), false),
    stack: stackWithCauses(err, new Set()),
  };
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors)) out.aggregateErrors = errors.map((e) => serializeErr(e, seen));
  for (const key in err) {
    if (out[key] !== undefined) continue;
    const value = (err as Record<string, unknown>)[key];
    if (isErrorLike(value)) {
      // causes are in message and stack already
      if (key !== 'cause' && !seen.has(value)) out[key] = serializeErr(value, seen);
    } else {
      out[key] = value;
    }
  }
  seen.delete(err);
  return out;
}

function causeOf(err: { cause?: unknown }): { message: string; stack?: unknown } | undefined {
  const cause = typeof err.cause === 'function' ? (err.cause as () => unknown)() : err.cause;
  return isErrorLike(cause) ? cause : undefined;
}

function stackWithCauses(err: unknown, seen: Set<unknown>): string {
  if (!isErrorLike(err)) return '';
  const stack = typeof err.stack === 'string' ? err.stack : '';
  if (seen.has(err)) return `${stack}\ncauses have become circular...`;
  const cause = causeOf(err);
  if (!cause) return stack;
  seen.add(err);
  return `${stack}\ncaused by: ${stackWithCauses(cause, seen)}`;
}

function messageWithCauses(err: unknown, seen: Set<unknown>, skip: boolean): string {
  if (!isErrorLike(err)) return '';
  const message = skip ? '' : err.message || '';
  if (seen.has(err)) return `${message}: ...`;
  const cause = causeOf(err);
  if (!cause) return message;
  seen.add(err);
  const verror = typeof err.cause === 'function';
  return message + (verror ? '' : ': ') + messageWithCauses(cause, seen, verror);
}
