/**
 * QEMU dies with the process that started it (test/qemu/vm.ts, startQemu): a launcher process starts
 * QEMU as the VM helper does and is then SIGKILLed, as node's test runner kills a test file at its
 * timeout (no `exit` handler runs); QEMU must not outlive it. QEMU runs here with no machine
 * (`-M none`, paused): nothing to boot, only a process to watch.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const VM_TS = pathToFileURL(join(import.meta.dirname, 'vm.ts')).href;
const LAUNCHER = `import { startQemu } from ${JSON.stringify(VM_TS)};
const q = startQemu(['-M', 'none', '-S', '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none']);
console.log(q.pid);
setInterval(() => {}, 60_000);`;

/** The state letter of a process (R, S, Z ...), or undefined when it is gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

let launcher: ChildProcess | undefined;
let qemuPid = 0;

after(() => {
  // only on failure: whatever this test started and is still running
  if (launcher?.pid && launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
  if (qemuPid && processState(qemuPid) && processState(qemuPid) !== 'Z' && processName(qemuPid).startsWith('qemu'))
    process.kill(qemuPid, 'SIGKILL');
});

describe('the VM helper ties QEMU to the test process', () => {
  it('QEMU is killed when the process that started it is SIGKILLed', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', LAUNCHER], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    launcher = child;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    for (let i = 0; i < 300 && !/^\d+\n/.test(out) && child.exitCode === null; i++) await delay(100);
    qemuPid = Number(out.trim());
    assert.ok(qemuPid > 0, `the launcher printed QEMU's PID: ${JSON.stringify(out)}`);
    // setpriv execs QEMU: the PID becomes QEMU's once the exec is done
    for (let i = 0; i < 100 && !processName(qemuPid).startsWith('qemu'); i++) await delay(50);
    assert.equal(processName(qemuPid), 'qemu-system-x86', 'QEMU runs under the PID the helper has');
    assert.match(processState(qemuPid) ?? 'gone', /^[RSD]$/, 'QEMU is running');

    child.kill('SIGKILL');
    await exited;
    // the kernel sends QEMU its SIGKILL as the launcher dies; a killed process that nobody reaped
    // yet is a zombie (Z): it no longer runs
    let state = processState(qemuPid);
    for (let i = 0; i < 100 && state !== undefined && state !== 'Z'; i++) {
      await delay(50);
      state = processState(qemuPid);
    }
    assert.ok(state === undefined || state === 'Z', `QEMU (PID ${qemuPid}) still runs: state ${state}`);
  });
});
