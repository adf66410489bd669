/** Inputs on the sim driver with the fake clock: debounce, timestamps, roles, door alarm, lines out of service. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, silentLogger } from '../../core/index.ts';
import {
  createGpioDriver,
  Hal,
  type InputAlarm,
  type InputChanged,
  type InputConfig,
  type RelayConfig,
  SimChip,
} from '../../hal/index.ts';

const LINES = ['RELAY_A', 'RELAY_B', 'PUSH_BUTTON', 'EXIT_BUTTON', 'DOOR_CONTACT', 'INPUT_D'];

const door: RelayConfig = {
  enabled: true,
  name: 'Door',
  type: 'normal',
  mode: 'monostable',
  holdTime: 3,
  triggerDelay: 0,
  line: 'RELAY_A',
};

function input(over: Partial<InputConfig> = {}): InputConfig {
  return {
    enabled: true,
    name: 'Push button',
    line: 'PUSH_BUTTON',
    activeLevel: 'high',
    debounceMs: 50,
    role: 'push-button',
    openAlarm: 60,
    ...over,
  };
}

async function rig(inputs: InputConfig[], relays: RelayConfig[] = [door]) {
  const clock = new FakeClock();
  const chip = new SimChip(LINES, clock);
  const hal = new Hal({
    clock,
    log: silentLogger(),
    openDriver: () => createGpioDriver('sim', { log: silentLogger(), sim: chip }),
  });
  const changed: InputChanged[] = [];
  const alarms: InputAlarm[] = [];
  hal.events.on('input.changed', (e) => changed.push(e));
  hal.events.on('input.alarm', (e) => alarms.push(e));
  await hal.start({ relays, inputs });
  const sim = chip.control;
  return { clock, chip, hal, sim, changed, alarms };
}

describe('debounce', () => {
  it('a 10-bounce burst within 5 ms gives exactly one press, then one release', async () => {
    const { clock, sim, changed } = await rig([input()]);
    for (let i = 0; i < 10; i++) {
      if (i % 2 === 0) sim.press('PUSH_BUTTON');
      else sim.release('PUSH_BUTTON');
      await clock.advance(0.5);
    }
    sim.press('PUSH_BUTTON'); // contact settles closed at 5 ms
    await clock.advance(200);
    assert.deepEqual(
      changed.map((e) => e.active),
      [true],
    );
    for (let i = 0; i < 10; i++) {
      if (i % 2 === 0) sim.release('PUSH_BUTTON');
      else sim.press('PUSH_BUTTON');
      await clock.advance(0.4);
    }
    sim.release('PUSH_BUTTON');
    await clock.advance(200);
    assert.deepEqual(
      changed.map((e) => e.active),
      [true, false],
    );
  });

  it('reports a press once the line has been stable for the debounce time, with the edge timestamp', async () => {
    const { clock, sim, changed } = await rig([input({ debounceMs: 50 })]);
    await clock.advance(1000);
    sim.press('PUSH_BUTTON');
    await clock.advance(49);
    assert.equal(changed.length, 0);
    await clock.advance(1);
    assert.equal(changed.length, 1);
    const e = changed[0] as InputChanged;
    assert.equal(e.timestampMs, 1000, 'kernel-style monotonic timestamp of the edge');
    assert.equal(e.at, clock.now());
    assert.deepEqual([e.index, e.name, e.role, e.active], [0, 'Push button', 'push-button', true]);
  });

  it('ignores a glitch shorter than the debounce time', async () => {
    const { clock, sim, changed } = await rig([input({ debounceMs: 20 })]);
    sim.press('PUSH_BUTTON');
    await clock.advance(10);
    sim.release('PUSH_BUTTON');
    await clock.advance(100);
    assert.equal(changed.length, 0);
  });

  it('with 0 ms every edge counts at once', async () => {
    const { sim, changed } = await rig([input({ debounceMs: 0 })]);
    sim.press('PUSH_BUTTON');
    sim.release('PUSH_BUTTON');
    sim.press('PUSH_BUTTON');
    assert.deepEqual(
      changed.map((e) => e.active),
      [true, false, true],
    );
  });

  it('active-low inputs report pressed as active', async () => {
    const { clock, chip, sim, changed } = await rig([input({ activeLevel: 'low' })]);
    assert.equal(chip.level('PUSH_BUTTON'), true, 'at rest: line high (pulled to its inactive level)');
    assert.equal(changed.length, 0);
    sim.press('PUSH_BUTTON');
    await clock.advance(50);
    assert.equal(chip.level('PUSH_BUTTON'), false, 'pressed: line low');
    assert.equal(changed[0]?.active, true);
  });
});

describe('roles', () => {
  it('an exit button only reports its presses: the HAL opens nothing (the agent does)', async () => {
    const { clock, chip, hal, sim, changed } = await rig([
      input({ name: 'Exit button', line: 'EXIT_BUTTON', role: 'exit-button' }),
    ]);
    sim.press('EXIT_BUTTON');
    await clock.advance(50);
    sim.release('EXIT_BUTTON');
    await clock.advance(50);
    assert.deepEqual(
      changed.map((e) => [e.name, e.role, e.active]),
      [
        ['Exit button', 'exit-button', true],
        ['Exit button', 'exit-button', false],
      ],
    );
    assert.equal(chip.level('RELAY_A'), false);
    assert.equal(hal.relays.states()[0]?.on, false);
  });

  it('a push button only reports its presses', async () => {
    const { clock, chip, sim, changed } = await rig([input()]);
    sim.press('PUSH_BUTTON');
    await clock.advance(50);
    assert.equal(changed.length, 1);
    assert.equal(chip.level('RELAY_A'), false);
  });

  it('a door contact open too long raises the alarm, closing clears it', async () => {
    const contact = input({
      name: 'Door contact',
      line: 'DOOR_CONTACT',
      role: 'door-contact',
      openAlarm: 30,
    });
    const { clock, sim, alarms } = await rig([contact]);
    sim.press('DOOR_CONTACT'); // door open
    await clock.advance(10_000);
    sim.release('DOOR_CONTACT'); // closed in time
    await clock.advance(60_000);
    assert.equal(alarms.length, 0);
    sim.press('DOOR_CONTACT');
    await clock.advance(50 + 29_999);
    assert.equal(alarms.length, 0);
    await clock.advance(1);
    assert.deepEqual(
      alarms.map((a) => [a.index, a.kind, a.active]),
      [[0, 'door-open-too-long', true]],
    );
    await clock.advance(120_000);
    assert.equal(alarms.length, 1, 'raised once');
    sim.release('DOOR_CONTACT');
    await clock.advance(50);
    assert.deepEqual(
      alarms.map((a) => a.active),
      [true, false],
    );
  });

  it('a door open at start is timed from the start; 0 s means never', async () => {
    const clock = new FakeClock();
    const chip = new SimChip(LINES, clock);
    chip.control.press('DOOR_CONTACT');
    chip.control.press('INPUT_D');
    const hal = new Hal({
      clock,
      log: silentLogger(),
      openDriver: () => createGpioDriver('sim', { log: silentLogger(), sim: chip }),
    });
    const alarms: InputAlarm[] = [];
    hal.events.on('input.alarm', (e) => alarms.push(e));
    await hal.start({
      relays: [],
      inputs: [
        input({ name: 'Door contact', line: 'DOOR_CONTACT', role: 'door-contact', openAlarm: 5 }),
        input({ name: 'Other door', line: 'INPUT_D', role: 'door-contact', openAlarm: 0 }),
      ],
    });
    assert.equal(hal.inputs.states()[0]?.active, true, 'initial level read at start');
    await clock.advance(5000);
    assert.deepEqual(
      alarms.map((a) => a.name),
      ['Door contact'],
    );
    await hal.stop();
  });
});

describe('lines that cannot be had', () => {
  it('a missing input line is reported by name; the other inputs run', async () => {
    const { clock, hal, sim, changed } = await rig([
      input(),
      input({ name: 'Exit button', line: 'NO_SUCH_INPUT', role: 'exit-button' }),
    ]);
    const [push, exit] = hal.inputs.states();
    assert.equal(push?.error, undefined);
    assert.match(exit?.error ?? '', /NO_SUCH_INPUT/);
    sim.press('PUSH_BUTTON');
    await clock.advance(50);
    assert.equal(changed.length, 1);
  });

  it('an input on a relay line is busy; two inputs on one line: the second is refused', async () => {
    const { hal } = await rig([input({ line: 'RELAY_A' }), input({ name: 'B' }), input({ name: 'C' })]);
    const s = hal.inputs.states();
    assert.match(s[0]?.error ?? '', /RELAY_A.*busy/);
    assert.equal(s[1]?.error, undefined);
    assert.match(s[2]?.error ?? '', /PUSH_BUTTON.*already used by input 2/);
  });
});

describe('reconfiguration', () => {
  it('changes debounce in place, moves inputs to other lines, and releases lines at stop', async () => {
    const { clock, chip, hal, sim, changed } = await rig([input({ debounceMs: 50 })]);
    await hal.apply({ relays: [door], inputs: [input({ debounceMs: 0 })] });
    sim.press('PUSH_BUTTON');
    assert.equal(changed.length, 1, 'debounce 0 applied without a restart');
    await hal.apply({ relays: [door], inputs: [input({ debounceMs: 0, line: 'INPUT_D' })] });
    assert.equal(chip.control.lines().find((l) => l.line === 'PUSH_BUTTON')?.direction, 'unused');
    sim.press('INPUT_D');
    assert.equal(changed.length, 2);
    await clock.advance(10);
    await hal.stop();
    assert.ok(chip.control.lines().every((l) => l.direction === 'unused'));
  });

  it('reports a change that happened while the lines were requested again', async () => {
    const { hal, sim, changed } = await rig([input({ debounceMs: 0 }), input({ name: 'D', line: 'INPUT_D' })]);
    await hal.apply({
      relays: [door],
      inputs: [input({ debounceMs: 0 }), input({ name: 'D', line: 'INPUT_D', enabled: false })],
    });
    sim.press('PUSH_BUTTON');
    assert.equal(changed.length, 1);
  });
});
