/**
 * The emulated door phone under QEMU (TCG): the agent, started by the image's init, drives gpio-sim
 * lines through the gpiod driver (GPIO character device v2 via koffi). One VM serves every check,
 * in order. Inputs are driven and outputs read over the virtio-serial control channel; the agent's
 * behaviour is read from its log on the serial console. Times are measured with the VM's clock and
 * checked only against the hold time, with a tolerance fit for TCG.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { buildImage, DoorPhoneVm } from './vm.ts';

/** Default config: relay A (Door) holds 3 s; exit button opens relay 1; inputs debounce 50 ms. */
const HOLD_S = 3;
/** TCG is slow and the host is shared: the pulse may end late, never early. */
const HOLD_TOLERANCE_S = { early: 0.1, late: 2.0 };

type LogLine = { level: number; time: number; msg: string; module?: string; [k: string]: unknown };

let vm: DoorPhoneVm;

/**
 * The resident at the indoor monitor, as a script on the monitor's ctrl_tcp socket (netstring JSON):
 * once the call's audio flows it sends the door code '#', and it prints when things happened.
 */
const RESIDENT_SCRIPT = `import { connect } from 'node:net';
const s = connect(4457, '127.0.0.1', () => console.error('connected'));
const t = {};
let buf = '';
const send = (command, params) => {
  const j = JSON.stringify({ command, params, token: 'r' });
  s.write(Buffer.byteLength(j) + ':' + j + ',');
};
s.on('data', (d) => {
  buf += d;
  for (;;) {
    const c = buf.indexOf(':');
    if (c < 0) return;
    const n = Number(buf.slice(0, c));
    if (buf.length < c + n + 2) return;
    const m = JSON.parse(buf.slice(c + 1, c + 1 + n));
    buf = buf.slice(c + n + 2);
    if (!m.event) continue;
    if (m.type === 'CALL_INCOMING') t.incoming = Date.now();
    if (m.type === 'CALL_ESTABLISHED') t.established = Date.now();
    if (m.type === 'CALL_RTPESTAB' && !t.dtmf) setTimeout(() => { send('sndcode', '#'); t.dtmf = Date.now(); }, 500);
    if (m.type === 'CALL_CLOSED') { t.closed = Date.now(); console.log(JSON.stringify(t)); process.exit(0); }
  }
});
setTimeout(() => { console.log(JSON.stringify({ ...t, timeout: true })); process.exit(1); }, 120000);`;

/** The agent's pino lines on the console since a mark. */
function logs(since = 0): LogLine[] {
  return vm.lines(since).flatMap((l) => {
    if (!l.startsWith('{')) return [];
    try {
      return [JSON.parse(l) as LogLine];
    } catch {
      return [];
    }
  });
}

async function agentPid(): Promise<number> {
  return Number((await vm.sh('cat /run/portier-agent.pid')).trim());
}

describe('emulated door phone (QEMU, gpiod on gpio-sim)', () => {
  before(async () => {
    buildImage();
    const t0 = Date.now();
    vm = await DoorPhoneVm.boot({ forward: { http: 8080, probe: 8099 } });
    const booted = Date.now() - t0;
    await vm.waitForConsole(/"msg":"relays and inputs ready"/, { timeoutMs: 180_000 });
    const hal = Date.now() - t0;
    // Every part started: while the others start, CPU-bound JS under TCG delays the agent's timers.
    await vm.waitForConsole(/"msg":"agent running"/, { timeoutMs: 180_000 });
    console.log(
      `# QEMU start -> VM ready ${booted} ms, -> HAL ready ${hal} ms, -> agent running ${Date.now() - t0} ms`,
    );
  });

  after(async () => {
    await vm?.stop();
  });

  it('boots with a gpio-sim chip named as the config, and the agent holds every line', async () => {
    const lines = (await vm.sh('gpio-sim lines')).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(' ')[0]),
      ['RELAY_A', 'RELAY_B', 'RELAY_C', 'PUSH_BUTTON', 'EXIT_BUTTON', 'DOOR_CONTACT', 'INPUT_D'],
    );
    for (const l of lines) assert.match(l, / 0$/, `every line inactive: ${l}`);
    const ready = logs().find((l) => l.msg === 'relays and inputs ready') as LogLine;
    assert.equal(ready.driver, 'gpiod');
    assert.deepEqual(ready.relays, ['Door: ok', 'Gate: ok', 'Light: ok']);
    assert.deepEqual(ready.inputs, ['Push button: ok', 'Exit button: ok', 'Door contact: ok', 'Input D: disabled']);
    // who holds which line: the image's init mounts debugfs; a requested line reads "(NAME |consumer)"
    const held = await vm.sh('cat /sys/kernel/debug/gpio');
    for (const name of ['RELAY_A', 'RELAY_B', 'RELAY_C', 'PUSH_BUTTON', 'EXIT_BUTTON', 'DOOR_CONTACT'])
      assert.match(held, new RegExp(`\\(${name}\\s*\\|portier\\s*\\)`), `${name} is held by the agent:\n${held}`);
    assert.match(held, /\(INPUT_D\s*\)/, `INPUT_D (disabled) is named and not held:\n${held}`);
  });

  it('an exit button press pulses its relay line for the hold time', async () => {
    const mark = vm.mark();
    // press, then watch the relay line from inside the VM (no round trip between the edges)
    const out = await vm.sh(
      'gpio-sim press EXIT_BUTTON && gpio-sim wait RELAY_A 1 10000 && gpio-sim release EXIT_BUTTON && gpio-sim wait RELAY_A 0 20000',
      60_000,
    );
    const [on, off] = out
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[1]));
    const held = (off as number) - (on as number);
    const agent = logs(mark).filter((l) => l.msg.startsWith('relay Door'));
    assert.deepEqual(
      agent.map((l) => [l.msg, l.by]),
      [
        ['relay Door on', 'input Exit button'],
        ['relay Door off', 'input Exit button'],
      ],
    );
    const heldByLog = ((agent[1] as LogLine).time - (agent[0] as LogLine).time) / 1000;
    console.log(
      `# relay A held ${held.toFixed(2)} s on the line (agent log: ${heldByLog.toFixed(3)} s); nominal ${HOLD_S} s`,
    );
    assert.ok(held >= HOLD_S - HOLD_TOLERANCE_S.early, `held ${held} s`);
    assert.ok(held <= HOLD_S + HOLD_TOLERANCE_S.late, `held ${held} s`);
    const press = logs(mark).find((l) => l.msg === 'input Exit button active');
    assert.ok(press, 'the press was reported');
  });

  it('a bouncy push button gives one press and one release', async () => {
    const mark = vm.mark();
    const burst = await vm.gpio.bounce('PUSH_BUTTON', 10); // 10 alternating pulls, ending pressed
    await vm.waitForConsole(/"msg":"input Push button active"/, { since: mark, timeoutMs: 10_000 });
    await delay(1000); // anything else the burst might still produce
    await vm.gpio.release('PUSH_BUTTON');
    await vm.waitForConsole(/"msg":"input Push button inactive"/, { since: mark, timeoutMs: 10_000 });
    await delay(1000);
    const events = logs(mark).filter((l) => l.msg.startsWith('input Push button'));
    console.log(`# ${burst.trim()} (VM uptime, 10 ms resolution)`);
    assert.deepEqual(
      events.map((e) => e.active),
      [true, false],
    );
  });

  it("forwards guest TCP ports to 127.0.0.1 (restrict=on user networking), the agent's web port too", async () => {
    await vm.sh('mkdir -p /tmp/www && echo probe-ok > /tmp/www/index.html && httpd -p 8099 -h /tmp/www');
    const body = await (await fetch(vm.url('probe', '/index.html'))).text();
    assert.equal(body.trim(), 'probe-ok');
    await vm.sh('kill $(pidof httpd)');
    // The agent's own web port: its public auth state (a fresh device: no admin password yet).
    let res: Response | undefined;
    let failure: unknown;
    for (let i = 0; i < 30 && !res; i++) {
      res = await fetch(vm.url('http', '/api/v1/auth/state')).catch((err) => {
        failure = err;
        return undefined;
      });
      if (!res) await delay(1000);
    }
    assert.ok(res, `the agent's web port answered nothing: ${failure}`);
    assert.equal(res.status, 200);
    const state = (await res.json()) as { success: boolean; result: { setUp: boolean; loggedIn: boolean } };
    assert.equal(state.success, true);
    assert.equal(state.result.setUp, false, 'a fresh device waits for its first-run setup');
    assert.equal(state.result.loggedIn, false);
  });

  it('has baresip with its modules, startable as an indoor monitor', async () => {
    const mods = Number((await vm.sh('ls /usr/lib/baresip/modules | wc -l')).trim());
    assert.ok(mods > 50, `${mods} baresip modules`);
    await vm.sh(
      [
        'mkdir -p /tmp/im',
        `printf '%s\\n' 'sip_listen 127.0.0.1:5090' 'ctrl_tcp_listen 127.0.0.1:4455' 'module_path /usr/lib/baresip/modules' 'module g711.so' 'module ausine.so' 'module aubridge.so' 'module_tmp account.so' 'module_app ctrl_tcp.so' 'audio_source ausine,440' 'audio_player aubridge,nullplay' 'audio_alert aubridge,nullalert' 'statmode_default off' > /tmp/im/config`,
        'echo "<sip:monitor@127.0.0.1:5090>;regint=0;answermode=auto" > /tmp/im/accounts',
        'baresip -f /tmp/im > /tmp/im/log 2>&1 &',
        'echo $! > /tmp/im/pid',
      ].join('\n'),
    );
    const listening = await vm.run(
      'for i in $(seq 100); do netstat -ltn | grep -q 127.0.0.1:4455 && exit 0; usleep 100000; done; cat /tmp/im/log; exit 1',
    );
    assert.equal(listening.code, 0, `baresip ctrl_tcp did not listen: ${listening.output}`);
    await vm.sh('kill $(cat /tmp/im/pid)');
  });

  it('push button → the monitor in the VM rings and answers → its DTMF code opens the door → the call ends after the hang-up-after-open time out', async () => {
    // An indoor monitor inside the VM (baresip, auto-answer) on the VM's LAN address, as a monitor
    // on the LAN would be (QEMU user networking gives the guest 10.0.2.15; the agent's baresip,
    // told to listen on 0.0.0.0, binds that address), and a resident script on the monitor's
    // control socket that sends the door code once the audio flows, and notes when the call ends.
    await vm.sh(
      [
        'mkdir -p /tmp/mon',
        `printf '%s\\n' 'sip_listen 10.0.2.15:5092' 'ctrl_tcp_listen 127.0.0.1:4457' 'module_path /usr/lib/baresip/modules' 'module g711.so' 'module ausine.so' 'module aubridge.so' 'module_tmp account.so' 'module_app menu.so' 'module_app ctrl_tcp.so' 'audio_source ausine,440' 'ausrc_srate 48000' 'ausrc_channels 2' 'audio_player aubridge,nullplay' 'audio_alert aubridge,nullalert' 'statmode_default off' > /tmp/mon/config`,
        'echo "<sip:monitor@10.0.2.15:5092>;regint=0;answermode=auto" > /tmp/mon/accounts',
        'baresip -f /tmp/mon > /tmp/mon/log 2>&1 &',
        'echo $! > /tmp/mon/pid',
        'for i in $(seq 100); do netstat -ltn | grep -q 127.0.0.1:4457 && break; usleep 100000; done',
        `cat > /tmp/mon/resident.mjs <<'EOF'
${RESIDENT_SCRIPT}
EOF`,
        'node /tmp/mon/resident.mjs > /tmp/mon/resident.out 2>&1 &',
        'for i in $(seq 200); do grep -q connected /tmp/mon/resident.out && break; usleep 100000; done',
      ].join('\n'),
      60_000,
    );
    // the agent's SIP engine is up (at boot it may have needed a retry)
    await vm.waitForConsole(/"msg":"SIP engine ready"/, { timeoutMs: 60_000 });
    let mark = vm.mark();
    await vm.sh(
      'portier config set intercom.pushButton.numbers=sip:monitor@10.0.2.15:5092 intercom.hangUpAfterOpen.enabled=1 intercom.hangUpAfterOpen.type=dtmf intercom.hangUpAfterOpen.timeout=3',
      60_000,
    );
    await vm.waitForConsole(/"msg":"config changed"/, { since: mark, timeoutMs: 30_000 });
    mark = vm.mark();
    const out = await vm.sh(
      'gpio-sim press PUSH_BUTTON && usleep 200000 && gpio-sim release PUSH_BUTTON && gpio-sim wait RELAY_A 1 45000 && gpio-sim wait RELAY_A 0 20000',
      90_000,
    );
    const [on, off] = out
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[1]));
    const held = (off as number) - (on as number);
    let resident: Record<string, number> = {};
    for (let i = 0; i < 60 && !resident.closed; i++) {
      const text = await vm.sh('cat /tmp/mon/resident.out');
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line) resident = JSON.parse(line);
      else await delay(500);
    }
    await vm.sh('kill $(cat /tmp/mon/pid) 2>/dev/null; true');
    const hungUpAfter = (resident.closed! - resident.dtmf!) / 1000;
    console.log(
      `# push button → monitor answered → '#' → relay A held ${held.toFixed(2)} s; call ended ${hungUpAfter.toFixed(2)} s after the code (time out 3 s)`,
    );
    const agent = logs(mark).map((l) => l.msg);
    for (const msg of [
      'push button pressed: calling',
      'DTMF code matched: opening',
      'relay Door on',
      'door opened during the call: hanging up after the time out',
      'relay Door off',
    ])
      assert.ok(agent.includes(msg), `agent log has "${msg}"`);
    assert.ok(resident.established, 'the monitor answered (auto-answer: baresip reports no CALL_INCOMING)');
    assert.ok(held >= HOLD_S - HOLD_TOLERANCE_S.early && held <= HOLD_S + HOLD_TOLERANCE_S.late, `held ${held} s`);
    assert.ok(hungUpAfter >= 3 - 0.1 && hungUpAfter <= 3 + 3, `the call ended ${hungUpAfter} s after the code`);
    const opened = logs(mark).find((l) => l.msg === 'DTMF code matched: opening');
    assert.equal(opened?.relay, 'Door');
  });

  it('SIGTERM: the agent drives its relays inactive, releases its lines and exits 0; init restarts it', async () => {
    const mark = vm.mark();
    await vm.sh(
      'gpio-sim press EXIT_BUTTON && gpio-sim wait RELAY_A 1 10000 && gpio-sim release EXIT_BUTTON && kill -TERM $(cat /run/portier-agent.pid)',
      60_000,
    );
    await vm.waitForConsole(/portier-vm: the agent exited/, { since: mark, timeoutMs: 30_000 });
    assert.equal(await vm.gpio.get('RELAY_A'), 0);
    const stop = logs(mark).filter((l) => l.msg.startsWith('relay Door') || l.msg === 'stopping');
    assert.deepEqual(
      stop.map((l) => [l.msg, l.by]),
      [
        ['relay Door on', 'input Exit button'],
        ['stopping', undefined],
        ['relay Door off', 'agent stopping'],
      ],
    );
    assert.ok(vm.lines(mark).some((l) => l === 'portier-vm: the agent exited (status 0)'));
    await vm.waitForConsole(/"msg":"agent running"/, { since: mark, timeoutMs: 180_000 });
  });

  it('after a SIGKILL with a relay energized, the restarted agent leaves the relay line inactive', async () => {
    const before = await agentPid();
    const mark = vm.mark();
    const out = await vm.sh(
      'gpio-sim press EXIT_BUTTON && gpio-sim wait RELAY_A 1 10000 && kill -9 $(cat /run/portier-agent.pid) && gpio-sim get RELAY_A',
      60_000,
    );
    console.log(`# relay line right after the SIGKILL: ${out.trim().split('\n').pop()}`);
    await vm.gpio.release('EXIT_BUTTON');
    await vm.waitForConsole(/portier-vm: starting the agent \(start 3/, { since: mark, timeoutMs: 30_000 });
    assert.equal(await vm.gpio.get('RELAY_A'), 0, 'inactive while the agent restarts');
    await vm.waitForConsole(/"msg":"relays and inputs ready"/, { since: mark, timeoutMs: 120_000 });
    assert.equal(await vm.gpio.get('RELAY_A'), 0, 'inactive once the agent holds it again');
    assert.notEqual(await agentPid(), before, 'a new agent process');
    // and the restarted agent works
    const again = await vm.sh(
      'gpio-sim press EXIT_BUTTON && gpio-sim wait RELAY_A 1 10000 && gpio-sim release EXIT_BUTTON',
    );
    assert.match(again, /^1 /);
    await vm.gpio.wait('RELAY_A', 0, 20_000);
  });

  it('an inverted relay is driven to its inactive (high) level by the agent that restarts after a SIGKILL', async () => {
    // With a normal relay, gpio-sim's own pull-down already looks "inactive" once the killed agent
    // released the line; with an inverted one, inactive is the high level: only the agent makes it so.
    let mark = vm.mark();
    await vm.sh('portier config set relays.1.type=inverted', 120_000);
    await vm.waitForConsole(/"msg":"relays and inputs reconfigured"/, { since: mark, timeoutMs: 60_000 });
    assert.equal(await vm.gpio.get('RELAY_B'), 1, 'inverted: the inactive level is high');
    mark = vm.mark();
    await vm.sh('kill -9 $(cat /run/portier-agent.pid)');
    await vm.waitForConsole(/portier-vm: starting the agent/, { since: mark, timeoutMs: 30_000 });
    const unheld = await vm.gpio.get('RELAY_B');
    await vm.waitForConsole(/"msg":"relays and inputs ready"/, { since: mark, timeoutMs: 120_000 });
    assert.equal(await vm.gpio.get('RELAY_B'), 1, 'the restarted agent drove relay B inactive');
    console.log(`# inverted relay B: line ${unheld} while no agent held it, 1 once the restarted agent started`);
    mark = vm.mark();
    await vm.sh('portier config set relays.1.type=normal', 120_000);
    await vm.waitForConsole(/"msg":"relays and inputs reconfigured"/, { since: mark, timeoutMs: 60_000 });
  });

  it('a config naming a missing line: the agent reports the line by name and keeps running', async () => {
    const pid = await agentPid();
    const starts = (await vm.sh('cat /run/portier-agent.starts')).trim();
    const mark = vm.mark();
    // the bundled CLI, in the VM; enabling input D (active low) also makes the agent request its input lines again
    await vm.sh(
      'portier config set relays.2.line=NO_SUCH_LINE inputs.3.enabled=true inputs.3.activeLevel=low',
      120_000,
    );
    const error = await vm.waitForConsole(/NO_SUCH_LINE/, { since: mark, timeoutMs: 60_000 });
    const entry = JSON.parse(error) as LogLine;
    assert.equal(entry.level, 50, 'logged as an error');
    assert.match(entry.msg, /relay 3 \(Light\).*GPIO line NO_SUCH_LINE: not found/);
    const summary = await vm.waitForConsole(/"msg":"relays and inputs reconfigured"/, {
      since: mark,
      timeoutMs: 30_000,
    });
    const s = JSON.parse(summary) as LogLine;
    assert.deepEqual((s.relays as string[]).slice(0, 2), ['Door: ok', 'Gate: ok']);
    assert.match((s.relays as string[])[2] as string, /^Light: GPIO line NO_SUCH_LINE: not found/);
    // the same agent goes on: the exit button still opens the door
    const out = await vm.sh(
      'gpio-sim press EXIT_BUTTON && gpio-sim wait RELAY_A 1 10000 && gpio-sim release EXIT_BUTTON',
    );
    assert.match(out, /^1 /);
    // input D, active low, rests pulled down (= active) since boot: pull up = inactive, down = active
    await vm.waitForConsole(/"msg":"relays and inputs reconfigured"/, { since: mark, timeoutMs: 30_000 });
    const d = vm.mark();
    await vm.sh('gpio-sim pull INPUT_D up');
    await vm.waitForConsole(/"msg":"input Input D inactive"/, { since: d, timeoutMs: 10_000 });
    await vm.sh('gpio-sim pull INPUT_D down');
    await vm.waitForConsole(/"msg":"input Input D active"/, { since: d, timeoutMs: 10_000 });
    assert.equal(await agentPid(), pid, 'no restart');
    assert.equal((await vm.sh('cat /run/portier-agent.starts')).trim(), starts, 'init did not restart it');
  });
});
