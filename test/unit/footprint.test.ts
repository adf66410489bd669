/**
 * What keeps the agent small (docs/footprint.md): parts loaded only when the config uses them, the
 * MQTT client without its 65,536-buffer cache, the default time zone checked without ICU's data,
 * and the log line that says when an account is registered (what the start-time bench reads).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { Bus } from '../../agent/bus.ts';
import { mqttConnector } from '../../agent/cloud/client.ts';
import { standingFile } from '../../agent/cloud/standing.ts';
import { ConfigStore } from '../../agent/config/index.ts';
import { isTimeZone } from '../../agent/config/schema/fields.ts';
import type { AgentContext } from '../../agent/context.ts';
import { cloudPart } from '../../agent/parts/cloud.ts';
import { homeAssistantPart } from '../../agent/parts/home-assistant.ts';
import { once, onDemandModule } from '../../agent/parts/on-demand.ts';
import { createSipModule } from '../../agent/parts/sip.ts';
import { createLogger, FakeClock, type Module, silentLogger } from '../../core/index.ts';
import { FakeSipEngine } from '../../sip/index.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function context(log = silentLogger()): Promise<AgentContext> {
  const dataDir = await mkdtemp(join(tmpdir(), 'portier-footprint-'));
  dirs.push(dataDir);
  const clock = new FakeClock();
  const config = new ConfigStore({ dataDir, clock, log });
  await config.load();
  const bus = new Bus();
  config.events.on('changed', (c) => bus.emit('config.changed', c));
  return {
    options: { dataDir, hal: 'sim', dev: true },
    config,
    bus,
    clock,
    log,
    services: {},
    restart: () => undefined,
    firmwareVersion: 'test',
    callsInProgress: () => 0,
  };
}

function fakeModule(events: string[]): Module {
  return {
    name: 'fake',
    async start() {
      events.push('start');
    },
    async stop() {
      events.push('stop');
    },
  };
}

describe('parts loaded on demand', () => {
  it('once: one load for concurrent callers, and a failed load is tried again', async () => {
    let loads = 0;
    const ok = once(async () => ++loads);
    assert.deepEqual(await Promise.all([ok(), ok()]), [1, 1]);
    let fail = true;
    const flaky = once(async () => {
      if (fail) throw new Error('no');
      return 'loaded';
    });
    await assert.rejects(flaky(), /no/);
    fail = false;
    assert.equal(await flaky(), 'loaded');
  });

  it('not wanted: nothing is loaded at start; turned on later: loaded and started; stopped with the agent', async () => {
    const ctx = await context();
    const events: string[] = [];
    let loads = 0;
    const m = onDemandModule(ctx, {
      name: 'cloud',
      wanted: (c) => c.cloud.enabled,
      load: async () => {
        loads++;
        return fakeModule(events);
      },
    });
    await m.start();
    assert.equal(loads, 0, 'the code of a part the config does not use is not loaded');
    assert.equal(m.loaded(), undefined);
    await ctx.config.apply({ identity: { name: 'Gate' } });
    assert.equal(loads, 0, 'another change does not load it');
    await ctx.config.apply({ cloud: { enabled: true, brokerUrl: 'mqtt://127.0.0.1:1' } });
    await m.load(); // waits for the load the change started
    assert.equal(loads, 1);
    assert.deepEqual(events, ['start']);
    await ctx.config.apply({ cloud: { enabled: false } });
    assert.deepEqual(events, ['start'], 'once loaded, the module itself handles turning it off');
    await m.stop();
    assert.deepEqual(events, ['start', 'stop']);
  });

  it('wanted at start: loaded and started before start() resolves (no event missed)', async () => {
    const ctx = await context();
    await ctx.config.apply({ homeAssistant: { enabled: true } });
    const events: string[] = [];
    const m = onDemandModule(ctx, {
      name: 'home-assistant',
      wanted: (c) => c.homeAssistant.enabled,
      load: async () => fakeModule(events),
    });
    await m.start();
    assert.deepEqual(events, ['start']);
    await m.stop();
    await m.stop();
    assert.deepEqual(events, ['start', 'stop'], 'stopped once');
  });

  it('loaded by a service call while the agent runs: started too, and stopped with it', async () => {
    const ctx = await context();
    const events: string[] = [];
    const m = onDemandModule(ctx, { name: 'x', wanted: () => false, load: async () => fakeModule(events) });
    await m.load();
    assert.deepEqual(events, [], 'not started before the agent starts');
    await m.start();
    assert.deepEqual(events, ['start']);
    await m.stop();
    assert.deepEqual(events, ['start', 'stop']);
  });

  it('the cloud link and Home Assistant, off by default: services answer `disabled`, nothing loaded', async () => {
    const ctx = await context();
    const [cloud] = cloudPart(ctx);
    const [ha] = homeAssistantPart(ctx);
    await cloud!.start();
    await ha!.start();
    assert.equal(ctx.services.cloud!.status().state, 'disabled');
    assert.equal(ctx.services.homeAssistant!.status().state, 'disabled');
    assert.equal((cloud as ReturnType<typeof onDemandModule>).loaded(), undefined);
    assert.equal((ha as ReturnType<typeof onDemandModule>).loaded(), undefined);
    // auto-provisioning's hook: no standing commands were ever left, nothing to load for them
    assert.equal((await ctx.services.cloud!.afterProvisioning()).applied, 0);
    assert.equal((cloud as ReturnType<typeof onDemandModule>).loaded(), undefined);
    // a cloud (since turned off) left standing commands: the hook loads the module and applies them
    await mkdir(join(ctx.options.dataDir, 'cloud'), { recursive: true });
    await writeFile(standingFile(ctx.options.dataDir), 'Config.DeviceInfo.DEVICEINFO.Name = Gate\n');
    assert.equal((await ctx.services.cloud!.afterProvisioning()).applied, 1);
    assert.ok((cloud as ReturnType<typeof onDemandModule>).loaded());
    assert.equal(ctx.config.get().identity.name, 'Gate');
    await ha!.stop();
    await cloud!.stop();
  });
});

describe('memory of libraries', () => {
  it('the MQTT client is made without mqtt-packet’s number cache (65,536 buffers, ~8 MB of heap)', async () => {
    const packet = createRequire(import.meta.url)('mqtt-packet') as { writeToStream: { cacheNumbers: boolean } };
    assert.equal(packet.writeToStream.cacheNumbers, true, 'the library default');
    const client = mqttConnector(
      {
        url: 'mqtt://127.0.0.1:1',
        connectType: 'tcp',
        deviceId: '0c1105000001',
        username: 'u',
        password: 'p',
      },
      { topic: 'portier/v1/0c1105000001/status', payload: '{}' },
    );
    client.onError(() => {});
    assert.equal(packet.writeToStream.cacheNumbers, false);
    await client.end(true);
  });

  it('the default time zone (UTC) is valid without asking ICU; others still are checked', () => {
    const real = Intl.DateTimeFormat;
    let asked = 0;
    Intl.DateTimeFormat = ((...args: ConstructorParameters<typeof Intl.DateTimeFormat>) => {
      asked++;
      return new real(...args);
    }) as typeof Intl.DateTimeFormat;
    try {
      assert.equal(isTimeZone('UTC'), true);
      assert.equal(asked, 0, 'checking UTC loads no time zone data (about 8 MB of RSS)');
    } finally {
      Intl.DateTimeFormat = real;
    }
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
  });
});

describe('the device log', () => {
  it('says when an account becomes registered, once per change', async () => {
    const lines: { msg: string; account?: string }[] = [];
    const log = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _e, done) {
          for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
          done();
        },
      }),
    });
    const ctx = await context(log);
    await ctx.config.apply({ accounts: [{ enabled: true, user: '1001', server: '127.0.0.1', password: 'a' }] });
    const engine = new FakeSipEngine(ctx.clock as FakeClock);
    const { module } = createSipModule(ctx, () => engine);
    await module.start();
    engine.setRegistration('1', 'registering');
    engine.setRegistration('1', 'registered');
    engine.setRegistration('1', 'registered');
    await new Promise((r) => setImmediate(r));
    const registered = lines.filter((l) => l.msg === 'SIP account registered');
    assert.deepEqual(
      registered.map((l) => l.account),
      ['1'],
    );
    await module.stop();
  });
});
