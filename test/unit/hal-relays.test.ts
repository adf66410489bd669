/** Relays on the sim driver with the fake clock: pulse timing, extension, bistable, inverted, fail-safe. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, silentLogger } from '../../core/index.ts';
import { createGpioDriver, Hal, type RelayChanged, type RelayConfig, SimChip } from '../../hal/index.ts';

const LINES = ['RELAY_A', 'RELAY_B', 'RELAY_C', 'PUSH_BUTTON', 'EXIT_BUTTON', 'DOOR_CONTACT'];

function relay(over: Partial<RelayConfig> = {}): RelayConfig {
  return {
    enabled: true,
    name: 'Door',
    type: 'normal',
    mode: 'monostable',
    holdTime: 3,
    triggerDelay: 0,
    line: 'RELAY_A',
    ...over,
  };
}

async function rig(relays: RelayConfig[]) {
  const clock = new FakeClock();
  const chip = new SimChip(LINES, clock);
  const hal = new Hal({
    clock,
    log: silentLogger(),
    openDriver: () => createGpioDriver('sim', { log: silentLogger(), sim: chip }),
  });
  const events: RelayChanged[] = [];
  hal.events.on('relay.changed', (e) => events.push(e));
  await hal.start({ relays, inputs: [] });
  const line = (name = 'RELAY_A') => chip.level(name);
  return { clock, chip, hal, events, line };
}

describe('monostable relay', () => {
  it('pulses for the hold time', async () => {
    const { clock, hal, events, line } = await rig([relay()]);
    assert.equal(line(), false, 'inactive at start');
    hal.relays.trigger(0, 'test');
    assert.equal(line(), true);
    assert.equal(hal.relays.states()[0]?.on, true);
    await clock.advance(2999);
    assert.equal(line(), true, 'still on just before the hold time');
    await clock.advance(1);
    assert.equal(line(), false, 'off at the hold time');
    assert.deepEqual(
      events.map((e) => [e.on, e.by]),
      [
        [true, 'test'],
        [false, 'test'],
      ],
    );
    assert.equal(hal.relays.states()[0]?.changedAt, clock.now());
  });

  it('waits for the trigger delay, then holds', async () => {
    const { clock, hal, line } = await rig([relay({ triggerDelay: 2, holdTime: 3 })]);
    hal.relays.trigger(0, 'test');
    await clock.advance(1999);
    assert.equal(line(), false);
    await clock.advance(1);
    assert.equal(line(), true);
    await clock.advance(2999);
    assert.equal(line(), true);
    await clock.advance(1);
    assert.equal(line(), false);
  });

  it('extends a running pulse on a new trigger', async () => {
    const { clock, hal, events, line } = await rig([relay()]);
    hal.relays.trigger(0, 'first');
    await clock.advance(2000);
    hal.relays.trigger(0, 'second');
    await clock.advance(2999);
    assert.equal(line(), true, 'held 3 s after the second trigger');
    await clock.advance(1);
    assert.equal(line(), false);
    assert.equal(events.length, 2, 'one on, one off: the extension does not blink');
  });

  it('a trigger during the delay extends the pending pulse', async () => {
    const { clock, hal, line } = await rig([relay({ triggerDelay: 1, holdTime: 2 })]);
    hal.relays.trigger(0, 'a');
    await clock.advance(500);
    hal.relays.trigger(0, 'b');
    await clock.advance(500);
    assert.equal(line(), true, 'starts at the first trigger delay');
    await clock.advance(2499);
    assert.equal(line(), true, 'ends 1 + 2 s after the second trigger');
    await clock.advance(1);
    assert.equal(line(), false);
  });

  it('set(false) ends the pulse at once', async () => {
    const { clock, hal, line } = await rig([relay()]);
    hal.relays.set(0, true, 'x');
    await clock.advance(100);
    hal.relays.set(0, false, 'x');
    assert.equal(line(), false);
    assert.equal(hal.relays.states()[0]?.on, false);
  });
});

describe('bistable relay', () => {
  it('toggles on trigger and stays until switched', async () => {
    const { clock, hal, line } = await rig([relay({ mode: 'bistable' })]);
    hal.relays.trigger(0, 't');
    await clock.advance(60_000);
    assert.equal(line(), true, 'no hold time in bistable mode');
    hal.relays.trigger(0, 't');
    assert.equal(line(), false);
    hal.relays.set(0, true, 's');
    hal.relays.set(0, true, 's');
    assert.equal(line(), true);
    hal.relays.set(0, false, 's');
    assert.equal(line(), false);
  });
});

describe('inverted relay', () => {
  it('keeps its line high while idle and low while energized', async () => {
    const { clock, hal, line, events } = await rig([relay({ type: 'inverted' })]);
    assert.equal(line(), true, 'idle: line active');
    hal.relays.trigger(0, 't');
    assert.equal(line(), false, 'energized: line inactive');
    assert.equal(events[0]?.on, true, 'the state is the relay, not the line');
    await clock.advance(3000);
    assert.equal(line(), true);
  });
});

describe('fail-safe', () => {
  it('a pulse ends even when a listener and the caller throw', async () => {
    const { clock, hal, line } = await rig([relay()]);
    hal.events.on('relay.changed', () => {
      throw new Error('listener bug');
    });
    assert.throws(() => {
      hal.relays.trigger(0, 'buggy code');
      throw new Error('caller bug');
    }, /caller bug/);
    assert.equal(line(), true);
    await clock.advance(3000);
    assert.equal(line(), false, 'the pulse ended');
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  it('a failed write is reported and leaves the relay inactive', async () => {
    const { clock, chip, hal, line } = await rig([relay()]);
    chip.failWrites('RELAY_A', 'I/O error');
    hal.relays.trigger(0, 't');
    assert.equal(line(), false);
    const s = hal.relays.states()[0];
    assert.equal(s?.on, false);
    assert.match(s?.error ?? '', /RELAY_A.*I\/O error/);
    assert.equal(clock.pending, 0, 'no pulse left pending');
    chip.failWrites('RELAY_A', undefined);
    hal.relays.trigger(0, 't');
    assert.equal(line(), true);
    assert.equal(hal.relays.states()[0]?.error, undefined, 'recovers on the next good write');
  });

  it('drives every relay inactive at start and at stop, and releases the lines', async () => {
    const { hal, chip, line } = await rig([relay(), relay({ name: 'Gate', line: 'RELAY_B', mode: 'bistable' })]);
    hal.relays.trigger(0, 't');
    hal.relays.set(1, true, 't');
    assert.equal(line('RELAY_A'), true);
    assert.equal(line('RELAY_B'), true);
    await hal.stop();
    assert.equal(line('RELAY_A'), false);
    assert.equal(line('RELAY_B'), false);
    assert.deepEqual(
      chip.control
        .lines()
        .filter((l) => l.line.startsWith('RELAY'))
        .map((l) => l.direction),
      ['unused', 'unused', 'unused'],
    );
  });
});

describe('lines that cannot be had', () => {
  it('a missing line puts only its relay out of service, naming the line', async () => {
    const { hal, line } = await rig([relay(), relay({ name: 'Gate', line: 'NO_SUCH_LINE' })]);
    const [door, gate] = hal.relays.states();
    assert.equal(door?.error, undefined);
    assert.match(gate?.error ?? '', /NO_SUCH_LINE/);
    assert.throws(() => hal.relays.trigger(1, 't'), /Gate.*NO_SUCH_LINE/);
    hal.relays.trigger(0, 't');
    assert.equal(line(), true);
  });

  it('a line used twice is busy for the second relay', async () => {
    const { hal } = await rig([relay(), relay({ name: 'Gate' })]);
    assert.match(hal.relays.states()[1]?.error ?? '', /RELAY_A.*busy/);
  });

  it('a disabled relay cannot be triggered and holds no line', async () => {
    const { hal, chip } = await rig([relay({ enabled: false })]);
    assert.throws(() => hal.relays.trigger(0, 't'), /disabled/);
    assert.equal(chip.control.lines()[0]?.direction, 'unused');
  });

  it('an unavailable driver puts every relay out of service without throwing', async () => {
    const clock = new FakeClock();
    const hal = new Hal({
      clock,
      log: silentLogger(),
      openDriver: async () => {
        throw new Error('no /dev/gpiochip*');
      },
    });
    await hal.start({ relays: [relay()], inputs: [] });
    assert.match(hal.relays.states()[0]?.error ?? '', /no \/dev\/gpiochip/);
  });
});

describe('reconfiguration', () => {
  it('moves a relay to another line, and retries one out of service', async () => {
    const { hal, line } = await rig([relay({ line: 'NOPE' })]);
    assert.match(hal.relays.states()[0]?.error ?? '', /NOPE/);
    await hal.apply({ relays: [relay({ line: 'RELAY_C' })], inputs: [] });
    assert.equal(hal.relays.states()[0]?.error, undefined);
    hal.relays.trigger(0, 't');
    assert.equal(line('RELAY_C'), true);
    await hal.apply({ relays: [relay({ line: 'RELAY_B' })], inputs: [] });
    assert.equal(line('RELAY_C'), false, 'the old line is left inactive');
    assert.equal(line('RELAY_B'), false, 'the new line starts inactive');
  });

  it('takes a new hold time without releasing the line', async () => {
    const { clock, hal, line } = await rig([relay()]);
    await hal.apply({ relays: [relay({ holdTime: 10 })], inputs: [] });
    hal.relays.trigger(0, 't');
    await clock.advance(9999);
    assert.equal(line(), true);
    await clock.advance(1);
    assert.equal(line(), false);
  });
});
