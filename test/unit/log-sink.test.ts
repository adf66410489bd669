/**
 * The stdout sink (core/log-sink.ts) against a real pipe, in a child node process: when fd 1 is a
 * non-blocking pipe that is full (EAGAIN), the sink waits and retries, so that no line is lost,
 * repeated or reordered; when the reader is gone (EPIPE), lines are dropped and logging goes on.
 *
 * Node sets fd 1 non-blocking as soon as `process.stdout` is touched (libuv's uv_pipe_open), as in
 * the agent whose stdout is a pipe to init or a harness (tsx's loader already touches it here); the
 * child touches it too, and checks O_NONBLOCK in /proc/self/fdinfo/1. The child counts the errors
 * fs.writeSync throws on fd 1 (a wrapper installed with module.syncBuiltinESMExports, so that the
 * sink's own `import { writeSync }` sees it: production code has no test hook), and reports on
 * stderr: `full` at the first EAGAIN, then a JSON summary. No timing: the parent reads stdout
 * only once the child said the pipe is full.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';

const LOG_URL = new URL('../../core/log.ts', import.meta.url).href;
const LINES = 10_000;
const PAD = 'x'.repeat(160); // ~250 bytes a line: 2.5 MB, far more than a pipe holds (~200 KB)

const CHILD = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const real = fs.writeSync;
const report = (s) => real(2, s + '\\n');
const nonblocking = () => (parseInt(fs.readFileSync('/proc/self/fdinfo/1', 'utf8').match(/flags:\\s*(\\d+)/)[1], 8) & 0o4000) !== 0;
const before = nonblocking();
void process.stdout; // as in the agent: node's stdout stream sets fd 1 non-blocking
const counts = { EAGAIN: 0, EPIPE: 0, other: 0 };
fs.writeSync = function (fd, ...rest) {
  try {
    return real.call(this, fd, ...rest);
  } catch (e) {
    if (fd === 1) {
      if (e.code === 'EAGAIN' && counts.EAGAIN === 0) report('full');
      if (e.code in counts) counts[e.code]++;
      else counts.other++;
    }
    throw e;
  }
};
syncBuiltinESMExports();
if (!nonblocking()) {
  report(JSON.stringify({ before, nonblocking: false }));
  process.exit(2);
}
const { createLogger } = await import(${JSON.stringify(LOG_URL)});
const log = createLogger().child({ module: 'flood' });
for (let n = 0; n < ${LINES}; n++) log.info({ n, pad: ${JSON.stringify(PAD)} }, 'line');
log.warn({ n: ${LINES} }, 'still logging');
report(JSON.stringify({ before, nonblocking: true, ...counts }));
`;

type Summary = { before: boolean; nonblocking: boolean; EAGAIN?: number; EPIPE?: number; other?: number };

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
});

/** The child, with stdout a pipe the parent does not read yet (a stream is paused until read). */
function flood() {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  const stderrLines: string[] = [];
  let onLine: () => void = () => {};
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    err += s;
    let i = err.indexOf('\n');
    while (i >= 0) {
      stderrLines.push(err.slice(0, i));
      err = err.slice(i + 1);
      i = err.indexOf('\n');
    }
    onLine();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  /** Resolves at the first stderr line matching, or when the child exits. */
  const said = (re: RegExp) =>
    new Promise<boolean>((resolve) => {
      onLine = () => stderrLines.some((l) => re.test(l)) && resolve(true);
      onLine();
      void exited.then(() => resolve(stderrLines.some((l) => re.test(l))));
    });
  const summary = (): Summary => {
    const last = stderrLines.findLast((l) => l.startsWith('{'));
    assert.ok(last, `the child reports a summary on stderr; its stderr:\n${stderrLines.join('\n')}${err}`);
    return JSON.parse(last);
  };
  return { child, exited, said, summary, stderr: () => stderrLines.join('\n') + err };
}

// The timeout only ends a hung child (a deadlock would be a failure); nothing waits on the clock.
describe('the stdout sink on a non-blocking pipe', { timeout: 120_000 }, () => {
  it('waits and retries while the pipe is full: every line arrives, once, in order, whole', async (t) => {
    const f = flood();
    assert.ok(await f.said(/^full$/), `the pipe fills (EAGAIN); child stderr:\n${f.stderr()}`);
    // Only now read: the child is blocked in the sink's retry loop until the pipe drains.
    let out = '';
    f.child.stdout!.setEncoding('utf8');
    f.child.stdout!.on('data', (s: string) => (out += s));
    assert.equal(await f.exited, 0, f.stderr());
    const s = f.summary();
    t.diagnostic(`fd 1 errors in the child: ${JSON.stringify(s)}`);
    assert.equal(s.nonblocking, true, "the child's fd 1 is non-blocking");
    assert.ok((s.EAGAIN ?? 0) >= 1, `the sink met EAGAIN: ${JSON.stringify(s)}`);
    assert.equal(s.EPIPE, 0);
    assert.equal(s.other, 0);
    assert.ok(out.endsWith('\n'));
    const lines = out.slice(0, -1).split('\n');
    assert.equal(lines.length, LINES + 1, 'no line lost or repeated');
    lines.forEach((l, i) => {
      let entry: { n?: unknown; module?: unknown; pad?: unknown };
      try {
        entry = JSON.parse(l);
      } catch {
        assert.fail(`line ${i} is not JSON: ${l.slice(0, 120)}…`);
      }
      assert.equal(entry.n, i, 'in order');
      assert.equal(entry.module, 'flood');
      if (i < LINES) assert.equal(entry.pad, PAD, `line ${i} is whole`);
    });
  });

  it('drops the lines once the reader is gone (EPIPE), and goes on without throwing', async (t) => {
    const f = flood();
    f.child.stdout!.destroy(); // closes the read end: the child's writes fail with EPIPE
    assert.equal(await f.exited, 0, `the child logs to the end and exits normally; stderr:\n${f.stderr()}`);
    const s = f.summary();
    t.diagnostic(`fd 1 errors in the child: ${JSON.stringify(s)}`);
    assert.equal(s.nonblocking, true);
    assert.ok((s.EPIPE ?? 0) >= 1, `the sink met EPIPE: ${JSON.stringify(s)}`);
    assert.equal(s.other, 0);
  });
});
