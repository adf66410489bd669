/** The HAL part of the agent on the sim driver: services, bus events, live reconfiguration, a missing line. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Bus } from '../../agent/bus.ts';
import { ConfigStore } from '../../agent/config/index.ts';
import type { AgentContext, AgentServices } from '../../agent/context.ts';
import { halPart } from '../../agent/parts/hal.ts';
import { createLogger, FakeClock, type Module, RealClock, silentLogger } from '../../core/index.ts';

let dir: string;
let mod: Module;
let ctx: AgentContext;
let clock: FakeClock;
let logs: string[];
const events: { name: string; payload: unknown }[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-hal-'));
  const config = new ConfigStore({ dataDir: dir, clock: new RealClock(), log: silentLogger() });
  await config.load();
  clock = new FakeClock();
  logs = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const bus = new Bus();
  config.events.on('changed', (c) => bus.emit('config.changed', c));
  events.length = 0;
  for (const name of ['relay.changed', 'input.changed', 'input.alarm', 'door.opened'] as const) {
    bus.on(name, (payload) => events.push({ name, payload }));
  }
  ctx = {
    options: { dataDir: dir, hal: 'sim', dev: false },
    config,
    bus,
    clock,
    log: createLogger({ level: 'info', destination: sink }),
    services: {},
    restart: () => {},
    firmwareVersion: 'test',
    callsInProgress: () => 0,
  };
  [mod] = halPart(ctx) as [Module];
  await mod.start();
});

afterEach(async () => {
  await mod.stop();
  await rm(dir, { recursive: true, force: true });
});

const services = () => ctx.services as AgentServices;
const names = () => events.map((e) => e.name);

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
}

describe('HAL part', () => {
  it('offers relays, inputs and the sim controller, built from the default config', () => {
    assert.deepEqual(
      services()
        .relays.states()
        .map((r) => [r.name, r.enabled, r.error]),
      [
        ['Door', true, undefined],
        ['Gate', true, undefined],
        ['Light', true, undefined],
      ],
    );
    assert.deepEqual(
      services()
        .inputs.states()
        .map((i) => [i.name, i.enabled, i.error]),
      [
        ['Push button', true, undefined],
        ['Exit button', true, undefined],
        ['Door contact', true, undefined],
        ['Input D', false, undefined],
      ],
    );
    const dirs = Object.fromEntries(
      services()
        .simGpio.lines()
        .map((l) => [l.line, l.direction]),
    );
    assert.deepEqual(dirs, {
      RELAY_A: 'output',
      RELAY_B: 'output',
      RELAY_C: 'output',
      PUSH_BUTTON: 'input',
      EXIT_BUTTON: 'input',
      DOOR_CONTACT: 'input',
      INPUT_D: 'unused',
    });
  });

  it('an exit button press is only an input.changed: the HAL drives no relay and emits no door event', async () => {
    services().simGpio.press('EXIT_BUTTON');
    await clock.advance(50);
    services().simGpio.release('EXIT_BUTTON');
    await clock.advance(3050);
    assert.deepEqual(names(), ['input.changed', 'input.changed']);
    assert.deepEqual(
      events.map((e) => (e.payload as { role: string; active: boolean }).role),
      ['exit-button', 'exit-button'],
    );
    assert.equal(services().relays.states()[0]?.on, false);
  });

  it('a push button press is only an input.changed', async () => {
    services().simGpio.press('PUSH_BUTTON');
    await clock.advance(50);
    services().simGpio.release('PUSH_BUTTON');
    await clock.advance(50);
    assert.deepEqual(names(), ['input.changed', 'input.changed']);
  });

  it('a door contact open too long raises input.alarm', async () => {
    services().simGpio.press('DOOR_CONTACT');
    await clock.advance(50 + 60_000);
    assert.deepEqual(names(), ['input.changed', 'input.alarm']);
  });

  it('reconfigures on config.changed: a missing line is reported by name, the rest runs', async () => {
    await ctx.config.apply({ relays: { 1: { line: 'NO_SUCH_LINE' } }, inputs: { 3: { enabled: true } } }, 'test');
    await until(() => Boolean(services().relays.states()[1]?.error));
    assert.match(services().relays.states()[1]?.error ?? '', /NO_SUCH_LINE/);
    assert.ok(
      logs.some((l) => l.includes('NO_SUCH_LINE') && l.includes('"level":50')),
      'an error log line names the line',
    );
    await until(
      () =>
        services()
          .simGpio.lines()
          .find((l) => l.line === 'INPUT_D')?.direction === 'input',
    );
    services().relays.trigger(0, 'test');
    assert.equal(services().relays.states()[0]?.on, true, 'relay 1 still works');
    services().simGpio.press('INPUT_D');
    await clock.advance(50);
    assert.ok(names().includes('input.changed'), 'the newly enabled input reports');
  });

  it('drives relays inactive and releases every line when it stops', async () => {
    services().relays.trigger(0, 'test');
    await mod.stop();
    assert.ok(
      services()
        .simGpio.lines()
        .every((l) => l.direction === 'unused' && !l.active),
    );
    await mod.start();
  });
});
