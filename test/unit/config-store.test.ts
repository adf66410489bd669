import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type ConfigChange, ConfigError, ConfigStore, defaultConfig, StoreError } from '../../agent/config/index.ts';
import { RealClock, silentLogger } from '../../core/index.ts';

let dir: string;
const open = () => new ConfigStore({ dataDir: dir, clock: new RealClock(), log: silentLogger() });
const fileOf = (name: string) => readFile(join(dir, name), 'utf8');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('config store', () => {
  it('starts from defaults on first run and writes nothing until a change', async () => {
    const s = open();
    assert.deepEqual(await s.load(), { from: 'defaults', warnings: [] });
    assert.deepEqual(s.get(), defaultConfig());
    assert.deepEqual(await readdir(dir), []);
  });

  it('persists a change as versioned JSON and keeps the last good copy', async () => {
    const s = open();
    await s.load();
    await s.apply({ intercom: { maxCallTime: 7 } });
    await s.apply({ intercom: { maxCallTime: 8 } });
    const doc = JSON.parse(await fileOf('config.json'));
    assert.equal(doc.version, s.version);
    assert.equal(doc.config.intercom.maxCallTime, 8);
    assert.equal(JSON.parse(await fileOf('config.prev.json')).config.intercom.maxCallTime, 7);
    assert.deepEqual((await readdir(dir)).sort(), ['config.json', 'config.prev.json'], 'no temp or lock file left');
    const again = open();
    await again.load();
    assert.equal(again.get().intercom.maxCallTime, 8);
  });

  it('applies all or nothing: an invalid patch changes neither the file nor the config', async () => {
    const s = open();
    await s.load();
    await s.apply({ intercom: { maxCallTime: 7 } });
    const before = await fileOf('config.json');
    const events: ConfigChange[] = [];
    s.events.on('changed', (e) => events.push(e));
    await assert.rejects(
      s.apply({ intercom: { maxCallTime: 9, dialInTime: 1000 }, relays: { 0: { holdTime: 5 } } }),
      (err) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.problems.map((p) => `${p.key}: ${p.message}`),
          ['intercom.dialInTime: must be at most 120'],
        );
        return true;
      },
    );
    assert.equal(await fileOf('config.json'), before);
    assert.equal(s.get().intercom.maxCallTime, 7);
    assert.equal(s.get().relays[0]!.holdTime, 3);
    assert.equal(events.length, 0);
  });

  it('emits config.changed with the keys that changed, and nothing for a no-op', async () => {
    const s = open();
    await s.load();
    const events: ConfigChange[] = [];
    s.events.on('changed', (e) => events.push(e));
    await s.apply(
      { intercom: { maxCallTime: 9, pushButton: { numbers: ['101'] } }, relays: [{}, { holdTime: 4 }] },
      'test',
    );
    await s.apply({ intercom: { maxCallTime: 9 } });
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.keys, ['intercom.maxCallTime', 'intercom.pushButton.numbers', 'relays.1.holdTime']);
    assert.equal(events[0]!.source, 'test');
    assert.equal(events[0]!.previous.intercom.maxCallTime, 5);
    assert.equal(events[0]!.config.intercom.maxCallTime, 9);
  });

  it('serializes concurrent writers', async () => {
    const s = open();
    await s.load();
    await Promise.all(
      Array.from({ length: 20 }, () => s.update((c) => ({ ...c, web: { ...c.web, port: c.web.port + 1 } }), 'test')),
    );
    assert.equal(s.get().web.port, 8080 + 20);
    const fresh = open();
    await fresh.load();
    assert.equal(fresh.get().web.port, 8100);
  });

  it('serializes writers in different processes through the lock file', async () => {
    const s = open();
    await s.load();
    await s.apply({ web: { port: 9000 } });
    const child = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const p = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            '-e',
            `import('./agent/config/index.ts').then(async ({ConfigStore}) => {
               const {RealClock, silentLogger} = await import('./core/index.ts');
               const s = new ConfigStore({dataDir: ${JSON.stringify(dir)}, clock: new RealClock(), log: silentLogger()});
               await s.load();
               for (let i = 0; i < ${n}; i++) await s.update((c) => ({...c, web: {...c.web, port: c.web.port + 1}}), 'child');
             })`,
          ],
          { stdio: 'inherit' },
        );
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child exited ${code}`))));
      });
    await Promise.all([
      child(15),
      child(15),
      (async () => {
        for (let i = 0; i < 15; i++) await s.update((c) => ({ ...c, web: { ...c.web, port: c.web.port + 1 } }), 'me');
      })(),
    ]);
    const fresh = open();
    await fresh.load();
    assert.equal(fresh.get().web.port, 9045, 'no update was lost');
  });

  it('waits for a lock that another process has just created and not yet filled in', async () => {
    // What a writer of an older version leaves for a moment: the lock exists, without a pid yet.
    // Taking it for abandoned let two writers in at once (an update was lost under load).
    const s = open();
    await s.load();
    const lock = join(dir, 'config.lock');
    await writeFile(lock, '');
    let done = false;
    const applying = s.apply({ intercom: { maxCallTime: 9 } }).then(() => {
      done = true;
    });
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(done, false, 'the update waits for the lock');
    assert.equal(await readFile(lock, 'utf8'), '', 'the lock is left to its holder');
    await rm(lock);
    await applying;
    assert.equal(s.get().intercom.maxCallTime, 9);
  });

  it('takes over a lock left by a process that died', async () => {
    await writeFile(join(dir, 'config.lock'), '999999');
    const s = open();
    await s.load();
    await s.apply({ intercom: { maxCallTime: 6 } });
    assert.equal(s.get().intercom.maxCallTime, 6);
  });

  it('uses the last good copy when the file is truncated, and says so', async () => {
    const s = open();
    await s.load();
    await s.apply({ intercom: { maxCallTime: 7 } });
    await s.apply({ intercom: { maxCallTime: 8 } });
    const whole = await fileOf('config.json');
    await writeFile(join(dir, 'config.json'), whole.slice(0, whole.length / 2));
    const r = open();
    const report = await r.load();
    assert.equal(report.from, 'previous');
    assert.match(report.warnings[0]!, /^config\.json: not valid JSON .*truncated or corrupt/);
    assert.equal(report.warnings[1], 'using the last good copy config.prev.json');
    assert.equal(r.get().intercom.maxCallTime, 7);
    assert.equal((await fileOf('config.corrupt.json')).length, Math.floor(whole.length / 2), 'corrupt file kept aside');
    // the next write does not keep the corrupt file as the "last good copy"
    await r.apply({ intercom: { maxCallTime: 9 } });
    assert.equal(JSON.parse(await fileOf('config.prev.json')).config.intercom.maxCallTime, 7);
  });

  it('uses the last good copy when the file holds invalid settings', async () => {
    const s = open();
    await s.load();
    await s.apply({ intercom: { maxCallTime: 7 } });
    await s.apply({ intercom: { maxCallTime: 8 } });
    const doc = JSON.parse(await fileOf('config.json'));
    doc.config.intercom.maxCallTime = 999;
    await writeFile(join(dir, 'config.json'), JSON.stringify(doc));
    const r = open();
    const report = await r.load();
    assert.equal(report.from, 'previous');
    assert.match(report.warnings[0]!, /intercom\.maxCallTime: must be at most 120/);
    assert.equal(r.get().intercom.maxCallTime, 7);
  });

  it('refuses to start from defaults when both copies are unusable', async () => {
    await writeFile(join(dir, 'config.json'), '{"version":1,"config":');
    await writeFile(join(dir, 'config.prev.json'), 'garbage');
    await assert.rejects(open().load(), (err) => {
      assert.ok(err instanceof StoreError);
      assert.match(err.message, /config\.json: not valid JSON/);
      assert.match(err.message, /config\.prev\.json: not valid JSON/);
      assert.match(err.message, /Nothing was reset/);
      return true;
    });
    assert.equal(await fileOf('config.prev.json'), 'garbage', 'nothing overwritten');
  });

  it('follows a change written by another process while running', async () => {
    const s = open();
    await s.load();
    await s.apply({ intercom: { maxCallTime: 7 } });
    const stop = s.watch();
    try {
      const seen = new Promise<ConfigChange>((resolve) => s.events.once('changed', resolve));
      const other = open();
      await other.load();
      await other.apply({ intercom: { dialOutTime: 33 } }, 'cli');
      const change = await seen;
      assert.equal(change.source, 'external');
      assert.deepEqual(change.keys, ['intercom.dialOutTime']);
      assert.equal(s.get().intercom.dialOutTime, 33);
    } finally {
      stop();
    }
  });
});
