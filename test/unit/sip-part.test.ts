/** The SIP part: config → engine settings and accounts, reconciled in place or by a new engine. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Bus } from '../../agent/bus.ts';
import { ConfigStore, defaultConfig } from '../../agent/config/index.ts';
import type { AgentContext } from '../../agent/context.ts';
import { accountSpecs, createSipModule, engineSettings } from '../../agent/parts/sip.ts';
import { FakeClock, silentLogger } from '../../core/index.ts';
import { type EngineSettings, FakeSipEngine } from '../../sip/index.ts';

describe('SIP part', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('maps the enabled accounts (ids = index + 1) and the engine settings', () => {
    const c = defaultConfig();
    c.accounts[1]!.enabled = true;
    c.accounts[1]!.user = '2002';
    c.accounts[1]!.server = 'pbx.example.com';
    c.accounts[1]!.transport = 'tcp';
    const specs = accountSpecs(c);
    assert.equal(specs.length, 1);
    assert.equal(specs[0]!.id, '2');
    assert.equal(specs[0]!.user, '2002');
    assert.equal(specs[0]!.transport, 'tcp');
    assert.deepEqual(engineSettings(c, '127.0.0.1'), {
      listenAddress: '127.0.0.1',
      sipPort: c.directIp.port,
      rtpPortMin: c.sip.rtpPortMin,
      rtpPortMax: c.sip.rtpPortMax,
      audioDevice: '',
      directIp: true,
      displayName: c.identity.name,
    });
  });

  it('starts the engine, forwards its events, reconciles accounts in place, restarts it on new settings', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'portier-sip-part-'));
    dirs.push(dataDir);
    const clock = new FakeClock();
    const log = silentLogger();
    const config = new ConfigStore({ dataDir, clock, log });
    await config.load();
    await config.apply({ accounts: [{ enabled: true, user: '1001', server: '127.0.0.1', password: 'a' }] });
    const bus = new Bus();
    config.events.on('changed', (c) => bus.emit('config.changed', c));
    const ctx: AgentContext = {
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
    const made: { settings: EngineSettings; dir: string; engine: FakeSipEngine }[] = [];
    const { module, sip } = createSipModule(ctx, (settings, deps) => {
      const engine = new FakeSipEngine(clock);
      made.push({ settings, dir: deps.dir, engine });
      return engine;
    });
    await module.start();
    assert.equal(made.length, 1);
    assert.equal(made[0]!.settings.listenAddress, '127.0.0.1', 'the dev run listens on 127.0.0.1');
    assert.equal(made[0]!.dir, join(dataDir, 'baresip'));
    assert.ok(made[0]!.engine.running);
    assert.deepEqual(
      made[0]!.engine.accounts.map((a) => [a.id, a.user, a.password]),
      [['1', '1001', 'a']],
    );

    const regs: string[] = [];
    bus.on('sip.registration', (r) => regs.push(`${r.account}:${r.state}`));
    made[0]!.engine.setRegistration('1', 'registered');
    assert.deepEqual(regs, ['1:registered']);

    await config.apply({ accounts: [{ password: 'b' }] });
    await clock.advance(0);
    assert.equal(made.length, 1, 'no new engine for an account change');
    assert.deepEqual(
      made[0]!.engine.accounts.map((a) => a.password),
      ['b'],
    );

    await config.apply({ sip: { rtpPortMin: 20000, rtpPortMax: 20100 } });
    await clock.advance(0);
    assert.equal(made.length, 2, 'new engine settings, new engine');
    assert.equal(made[0]!.engine.running, false);
    assert.ok(made[1]!.engine.running);
    assert.equal(made[1]!.settings.rtpPortMin, 20000);
    assert.deepEqual(
      made[1]!.engine.accounts.map((a) => a.password),
      ['b'],
    );
    made[1]!.engine.setRegistration('1', 'failed', '401 Unauthorized');
    assert.deepEqual(regs, ['1:registered', '1:failed'], 'events of the new engine reach the bus');
    const call = sip.dial('101', { account: '1' });
    assert.equal(made[1]!.engine.dialed()[0]!.callId, call.id, 'the same service object drives the new engine');

    await module.stop();
    assert.equal(made[1]!.engine.running, false);
  });
});
