/** The cloud settings: the udp connect type is migrated away, TLS files are read, errors name the field. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { brokerSettings, describe as describeBroker } from '../../agent/cloud/settings.ts';
import { ConfigStore, defaultConfig, readAutop } from '../../agent/config/index.ts';
import { FakeClock, silentLogger } from '../../core/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-cloud-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
const clock = new FakeClock(Date.UTC(2026, 10, 29, 10, 0, 0));

describe('cloud settings', () => {
  it('a config with the udp connect type (version 1) becomes tls, and the migration is logged', async () => {
    const v1 = {
      version: 1,
      config: { cloud: { enabled: true, brokerUrl: 'mqtt://cloud.example.com', connectType: 'udp' } },
    };
    await writeFile(join(dir, 'config.json'), JSON.stringify(v1));
    const s = new ConfigStore({ dataDir: dir, clock, log: silentLogger() });
    const report = await s.load();
    assert.equal(report.migratedFrom, 1);
    assert.equal(s.get().cloud.connectType, 'tls');
    assert.equal(s.get().cloud.brokerUrl, 'mqtt://cloud.example.com');
    assert.match(
      await readFile(join(dir, 'migrations.log'), 'utf8'),
      /config v1 -> v2: cloud\.connectType: the udp choice is removed \(MQTT has no UDP transport\); a udp value becomes tls/,
    );
    const other = { version: 1, config: { cloud: { connectType: 'tcp' } } };
    await writeFile(join(dir, 'config.json'), JSON.stringify(other));
    const t = new ConfigStore({ dataDir: dir, clock, log: silentLogger() });
    await t.load();
    assert.equal(t.get().cloud.connectType, 'tcp', 'other values are kept');
  });

  it('autop: connect types by name or code; udp (code 1) is refused naming the field', () => {
    const c = defaultConfig();
    assert.equal(readAutop('Config.Cloud.GENERAL.ConnectType = 3', c).config?.cloud.connectType, 'wss');
    assert.equal(readAutop('Config.Cloud.GENERAL.ConnectType = tcp', c).config?.cloud.connectType, 'tcp');
    const udp = readAutop('Config.Cloud.GENERAL.ConnectType = 1', c);
    assert.equal(udp.config, undefined);
    assert.match(udp.problems[0]!.message, /"1" is not one of 0=tcp, 2=tls, 3=wss/);
  });

  it('broker settings: errors name the setting; the description never has the password', async () => {
    const c = defaultConfig();
    c.cloud = { ...c.cloud, enabled: true, brokerUrl: 'mqtts://cloud.example.com', password: 's3cret' };
    assert.deepEqual(await brokerSettings(c), {
      ok: false,
      error: 'identity.mac: is empty or not a MAC (the device id is the MAC)',
    });
    c.identity.mac = '0C:11:05:00:00:01';
    c.cloud.caFile = join(dir, 'missing.pem');
    assert.deepEqual(await brokerSettings(c), {
      ok: false,
      error: `cloud.caFile: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    });
    await writeFile(join(dir, 'ca.pem'), 'PEM');
    c.cloud.caFile = join(dir, 'ca.pem');
    const r = await brokerSettings(c);
    assert.ok(r.ok);
    assert.equal(r.settings.username, '0c1105000001', 'the username defaults to the device id');
    assert.equal(r.settings.ca, 'PEM');
    assert.equal(describeBroker(r.settings), 'mqtts://cloud.example.com:8883 as 0c1105000001');
  });
});
