import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger, type LogOptions, silentLogger } from '../../core/index.ts';

const T = 1_700_000_000_123;
const HEAD = (level: number) =>
  `{"level":${level},"time":${T},"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;

/** A logger writing into an array, with a fixed clock. */
function capture(opts: LogOptions = {}) {
  const lines: string[] = [];
  const log = createLogger({
    level: 'trace',
    now: () => T,
    destination: { write: (l: string) => lines.push(l) },
    ...opts,
  });
  return { log, lines };
}

/** An error with a short, fixed stack, so that lines can be compared whole. */
function fixedError(message: string, props: Record<string, unknown> = {}, opts?: ErrorOptions): Error {
  const e = Object.assign(new Error(message, opts), props);
  e.stack = `Error: ${message}\n    at here (x.ts:1:1)`;
  return e;
}

// The expected lines below are what pino 10 (default options) wrote for the same calls.
describe('the log line (pino format)', () => {
  it('writes level, time, pid, hostname, the bindings root to leaf, the fields, then msg', () => {
    const { log, lines } = capture();
    const sip = log.child({ module: 'sip' });
    sip.info({ account: '1' }, 'SIP account registered');
    sip.info('SIP engine ready');
    sip.child({ call: 7 }).debug({ module: 'override', x: 1 }, 'nested');
    assert.deepEqual(lines, [
      `${HEAD(30)},"module":"sip","account":"1","msg":"SIP account registered"}\n`,
      `${HEAD(30)},"module":"sip","msg":"SIP engine ready"}\n`,
      `${HEAD(20)},"module":"sip","call":7,"module":"override","x":1,"msg":"nested"}\n`,
    ]);
    assert.equal((JSON.parse(lines[2]!) as { module: string }).module, 'override', 'the leaf wins when parsed');
    assert.match(lines[0]!, /"account":"1".*"msg":"SIP account registered"/);
  });

  it('numbers the levels as pino and has one method per level', () => {
    const { log, lines } = capture();
    log.trace('a');
    log.debug('a');
    log.info('a');
    log.warn('a');
    log.error('a');
    log.fatal('a');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { level: number }).level),
      [10, 20, 30, 40, 50, 60],
    );
  });

  it('takes (msg), (obj), (obj, msg), and a msg inside the object', () => {
    const { log, lines } = capture();
    log.info({ setupCode: '123-45-678' });
    log.info({}, '');
    log.info({ msg: 'inner' });
    log.info(undefined, 'no object');
    log.info(null, 'null object');
    log.info(5);
    log.info({ u: undefined, f: () => 1, d: new Date(0), n: null, nan: Number.NaN, list: [1, 'a'] }, 'values');
    log.info({ s: 'a"b\n\\' }, 'tab\there');
    assert.deepEqual(lines, [
      `${HEAD(30)},"setupCode":"123-45-678"}\n`,
      `${HEAD(30)},"msg":""}\n`,
      `${HEAD(30)},"msg":"inner"}\n`,
      `${HEAD(30)},"msg":"no object"}\n`,
      `${HEAD(30)},"msg":"null object"}\n`,
      `${HEAD(30)},"msg":5}\n`,
      `${HEAD(30)},"d":"1970-01-01T00:00:00.000Z","n":null,"nan":null,"list":[1,"a"],"msg":"values"}\n`,
      `${HEAD(30)},"s":"a\\"b\\n\\\\","msg":"tab\\there"}\n`,
    ]);
  });

  it('does not throw on a circular reference or a BigInt', () => {
    const { log, lines } = capture();
    const c: Record<string, unknown> = { b: 1, a: 2 };
    c.self = c;
    log.info({ c }, 'circular');
    log.info({ big: 10n, o: { z: 1n, y: 'x' } }, 'bigint');
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    log.info({ deep: Object.assign(deep, { me: deep }) });
    assert.deepEqual(lines, [
      `${HEAD(30)},"c":{"a":2,"b":1,"self":"[Circular]"},"msg":"circular"}\n`,
      `${HEAD(30)},"big":10,"o":{"y":"x","z":1},"msg":"bigint"}\n`,
      `${HEAD(30)},"deep":{"a":{"b":{"c":{"d":{"e":"[Object]"}}}},"me":"[Circular]"}}\n`,
    ]);
  });

  it('does not write a binding named level, and serializes bindings as JSON', () => {
    const { log, lines } = capture();
    log.child({ level: 'x', n: Number.NaN, f: () => 1, u: undefined, big: 2n }).info('bound');
    assert.deepEqual(lines, [`${HEAD(30)},"n":null,"big":2,"msg":"bound"}\n`]);
  });
});

describe('errors in the log', () => {
  const ERR =
    '{"type":"Error","message":"boom","stack":"Error: boom\\n    at here (x.ts:1:1)","code":"ENOENT","errno":-2}';

  it('writes { err } with type, message, stack and the error’s own fields', () => {
    const { log, lines } = capture();
    const err = fixedError('boom', { code: 'ENOENT', errno: -2 });
    log.warn({ err }, 'failed');
    log.error({ err, extra: 1 });
    log.error({ err: 'not an error' }, 'text err');
    assert.deepEqual(lines, [
      `${HEAD(40)},"err":${ERR},"msg":"failed"}\n`,
      `${HEAD(50)},"err":${ERR},"extra":1,"msg":"boom"}\n`,
      `${HEAD(50)},"err":"not an error","msg":"text err"}\n`,
    ]);
  });

  it('takes an Error as the first argument as err, its message as msg unless one is given', () => {
    const { log, lines } = capture();
    const err = fixedError('boom', { code: 'ENOENT', errno: -2 });
    log.error(err);
    log.error(err, 'with msg');
    assert.deepEqual(lines, [
      `${HEAD(50)},"err":${ERR},"msg":"boom"}\n`,
      `${HEAD(50)},"err":${ERR},"msg":"with msg"}\n`,
    ]);
  });

  it('appends the causes to message and stack, names the class, lists aggregated errors', () => {
    const { log, lines } = capture();
    log.error({ err: fixedError('outer', {}, { cause: fixedError('inner') }) });
    log.error({ err: fixedError('outer2', {}, { cause: 'text cause' }) });
    class DoorError extends Error {
      override name = 'DoorError';
    }
    const door = new DoorError('stuck');
    door.stack = 'DoorError: stuck';
    log.error(door);
    const agg = new AggregateError([fixedError('a1')], 'agg');
    agg.stack = 'AggregateError: agg';
    log.error({ err: agg });
    const nested = fixedError('top', { inner: fixedError('inner') });
    log.error({ err: nested });
    assert.deepEqual(lines, [
      `${HEAD(50)},"err":{"type":"Error","message":"outer: inner","stack":"Error: outer\\n    at here (x.ts:1:1)\\ncaused by: Error: inner\\n    at here (x.ts:1:1)"},"msg":"outer"}\n`,
      `${HEAD(50)},"err":{"type":"Error","message":"outer2","stack":"Error: outer2\\n    at here (x.ts:1:1)"},"msg":"outer2"}\n`,
      `${HEAD(50)},"err":{"type":"DoorError","message":"stuck","stack":"DoorError: stuck","name":"DoorError"},"msg":"stuck"}\n`,
      `${HEAD(50)},"err":{"type":"AggregateError","message":"agg","stack":"AggregateError: agg","aggregateErrors":[{"type":"Error","message":"a1","stack":"Error: a1\\n    at here (x.ts:1:1)"}]},"msg":"agg"}\n`,
      `${HEAD(50)},"err":{"type":"Error","message":"top","stack":"Error: top\\n    at here (x.ts:1:1)","inner":{"type":"Error","message":"inner","stack":"Error: inner\\n    at here (x.ts:1:1)"}},"msg":"top"}\n`,
    ]);
  });

  it('survives an error that refers to itself or whose causes loop', () => {
    const { log, lines } = capture();
    const a = fixedError('A') as Error & { me?: unknown };
    a.me = a;
    const b = fixedError('B', {}, { cause: a });
    (a as { cause?: unknown }).cause = b;
    log.error({ err: a });
    const parsed = JSON.parse(lines[0]!) as { err: { message: string; stack: string } };
    assert.equal(parsed.err.message, 'A: B: A: ...');
    assert.match(parsed.err.stack, /causes have become circular/);
  });
});

describe('levels', () => {
  it('writes only at or above the level, and none when silent', () => {
    const { log, lines } = capture({ level: 'warn' });
    log.info('no');
    log.debug('no');
    log.warn('yes');
    log.fatal('yes');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { level: number }).level),
      [40, 60],
    );
    log.level = 'silent';
    log.fatal('no');
    assert.equal(lines.length, 2);
  });

  it('lets a child follow its parent’s level until one is set on the child', () => {
    const { log, lines } = capture({ level: 'warn' });
    const child = log.child({ module: 'x' });
    assert.equal(child.level, 'warn');
    log.level = 'info';
    child.info('follows');
    child.level = 'error';
    child.warn('no');
    log.info('parent');
    assert.equal(log.level, 'info');
    assert.equal(child.level, 'error');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['follows', 'parent'],
    );
  });

  it('refuses an unknown level, naming it', () => {
    assert.throws(() => createLogger({ level: 'verbose' }), /log level: unknown level 'verbose'/);
    const { log } = capture();
    assert.throws(() => {
      log.level = 'loud';
    }, /unknown level 'loud'/);
    assert.equal(log.level, 'trace');
  });
});

describe('where lines go', () => {
  it('writes one line per write() to a Writable, adding no listener to it', () => {
    const chunks: string[] = [];
    const dest = new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const before = dest.eventNames().map((e) => `${String(e)}:${dest.listenerCount(e)}`);
    const log = createLogger({ destination: dest, now: () => T });
    for (let i = 0; i < 20; i++) log.child({ i }).info('x');
    assert.equal(chunks.length, 20);
    assert.ok(chunks.every((c) => c.endsWith('}\n') && !c.slice(0, -1).includes('\n')));
    assert.deepEqual(
      dest.eventNames().map((e) => `${String(e)}:${dest.listenerCount(e)}`),
      before,
    );
  });

  it('writes to stdout synchronously: the last lines before process.exit are out; the silent logger writes nothing', () => {
    const fixture = fileURLToPath(new URL('../fixtures/log-exit.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 3, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 501);
    assert.ok(
      lines.every((l) => JSON.parse(l)),
      'every line is JSON',
    );
    assert.match(
      lines.at(-1)!,
      /^\{"level":60,"time":\d+,"pid":\d+,"hostname":"[^"]*","module":"exit","msg":"last words"\}$/,
    );
    assert.doesNotMatch(r.stdout, /never written/);
  });

  it('has a silent logger that takes every call and writes nothing', () => {
    const log = silentLogger();
    assert.equal(log.level, 'silent');
    log.child({ module: 'm' }).fatal(new Error('x'), 'dropped');
    log.info({ a: 1 }, 'dropped');
  });
});

describe('the pretty form (development)', () => {
  const at = new Date(T);
  const two = (n: number) => String(n).padStart(2, '0');
  const clock = `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.123`;

  it('writes time, level, module, message, then the other fields as compact JSON, one line each', () => {
    const { log, lines } = capture({ pretty: true, colors: false });
    const sip = log.child({ module: 'sip' });
    sip.info({ account: '1' }, 'SIP account registered');
    sip.warn('no audio');
    log.child({ agent: 'dev' }).child({ module: 'config' }).debug({ n: 2 }, 'saved');
    log.info({ msg: 'inside' });
    assert.deepEqual(lines, [
      `${clock} INFO  [sip] SIP account registered {"account":"1"}\n`,
      `${clock} WARN  [sip] no audio\n`,
      `${clock} DEBUG [config] saved {"agent":"dev","n":2}\n`,
      `${clock} INFO  inside\n`,
    ]);
  });

  it('shows an error’s fields on the line and its stack below, indented', () => {
    const { log, lines } = capture({ pretty: true, colors: false });
    log.error(fixedError('boom', { code: 'E1' }), 'failed');
    assert.deepEqual(lines, [
      `${clock} ERROR failed {"err":{"type":"Error","message":"boom","code":"E1"}}\n    Error: boom\n        at here (x.ts:1:1)\n`,
    ]);
  });

  it('colors the level when asked', () => {
    const { log, lines } = capture({ pretty: true, colors: true });
    log.error('red');
    log.info('green');
    const esc = '\u001b';
    assert.ok(lines[0]!.includes(`${esc}[31mERROR${esc}[39m red`), lines[0]);
    assert.ok(lines[1]!.includes(`${esc}[32mINFO ${esc}[39m green`), lines[1]);
  });
});
