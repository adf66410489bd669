import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConfigStore, type Migration, StoreError } from '../../agent/config/index.ts';
import { FakeClock, silentLogger } from '../../core/index.ts';

/**
 * A test migration: version 1 stored the max call time in seconds under `maxCallSeconds`;
 * version 2 stores minutes under `maxCallTime`. Then version 3 renames `identity.place` to `location`.
 */
const steps: Migration[] = [
  {
    from: 1,
    describe: 'intercom.maxCallSeconds (s) becomes intercom.maxCallTime (min)',
    up: (c) => {
      const intercom = { ...(c.intercom as Record<string, unknown>) };
      intercom.maxCallTime = Math.round(Number(intercom.maxCallSeconds) / 60);
      delete intercom.maxCallSeconds;
      return { ...c, intercom };
    },
  },
  {
    from: 2,
    describe: 'identity.place is renamed identity.location',
    up: (c) => {
      const { place, ...identity } = c.identity as Record<string, unknown>;
      return { ...c, identity: { ...identity, location: place } };
    },
  },
];

let dir: string;
const clock = new FakeClock(Date.UTC(2026, 10, 22, 10, 0, 0));
const open = (migrations = steps) => new ConfigStore({ dataDir: dir, clock, log: silentLogger(), migrations });
const v1 = { version: 1, config: { intercom: { maxCallSeconds: 600 }, identity: { place: 'Gate 3' } } };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-migrate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('config migrations', () => {
  it('migrates step by step, keeps a backup of the old file and writes a readable log', async () => {
    const original = JSON.stringify(v1);
    await writeFile(join(dir, 'config.json'), original);
    const s = open();
    const report = await s.load();
    assert.equal(report.migratedFrom, 1);
    assert.equal(s.get().intercom.maxCallTime, 10);
    assert.equal(s.get().identity.location, 'Gate 3');
    assert.equal(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).version, 3);
    assert.equal(await readFile(join(dir, 'config.v1.json'), 'utf8'), original);
    assert.equal(
      await readFile(join(dir, 'migrations.log'), 'utf8'),
      '2026-11-22T10:00:00.000Z config v1 -> v2: intercom.maxCallSeconds (s) becomes intercom.maxCallTime (min) (backup: config.v1.json)\n' +
        '2026-11-22T10:00:00.000Z config v2 -> v3: identity.place is renamed identity.location (backup: config.v1.json)\n',
    );
    // a second start has nothing to migrate
    assert.equal((await open().load()).migratedFrom, undefined);
  });

  it('starts migrating from the version the file has', async () => {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ version: 2, config: { identity: { place: 'Lobby' } } }));
    const s = open();
    assert.equal((await s.load()).migratedFrom, 2);
    assert.equal(s.get().identity.location, 'Lobby');
    assert.match(await readFile(join(dir, 'migrations.log'), 'utf8'), /^\S+ config v2 -> v3: /);
  });

  it('refuses a file written by a newer version and does not touch it', async () => {
    const newer = JSON.stringify({ version: 9, config: {} });
    await writeFile(join(dir, 'config.json'), newer);
    await assert.rejects(open().load(), (err) => {
      assert.ok(err instanceof StoreError);
      assert.match(err.message, /version 9 was written by a newer Portier; this one reads up to version 3/);
      return true;
    });
    assert.equal(await readFile(join(dir, 'config.json'), 'utf8'), newer);
  });

  it('a migration that fails leaves the old file in place', async () => {
    const broken: Migration[] = [
      {
        from: 1,
        describe: 'explodes',
        up: () => {
          throw new Error('boom');
        },
      },
    ];
    await writeFile(join(dir, 'config.json'), JSON.stringify(v1));
    await assert.rejects(open(broken).load(), /boom/);
    assert.equal(await readFile(join(dir, 'config.json'), 'utf8'), JSON.stringify(v1));
  });
});
