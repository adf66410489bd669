/**
 * The login limiter with a fake clock: an attempt counts before its password is verified (a burst
 * cannot pass the check together), a success takes it back, lockouts double, and the state is
 * kept in the data dir (mode 0600) so that a restart does not forget a lockout.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '../../core/index.ts';
import { LoginLimiter, MAX_FAILURES } from '../../web/auth/index.ts';

const IP = '192.0.2.7';
const MIN = 60_000;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-limiter-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('login limiter', () => {
  it('counts an attempt as soon as it starts: 10 in flight lock the address, the 11th is refused', () => {
    const l = new LoginLimiter({ clock: new FakeClock() });
    const left: number[] = [];
    for (let i = 0; i < MAX_FAILURES; i++) {
      const a = l.attempt(IP);
      assert.equal(a.ok, true, `attempt ${i + 1}`);
      if (a.ok) left.push(a.left);
    }
    assert.deepEqual(left, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const eleventh = l.attempt(IP);
    assert.deepEqual(eleventh, { ok: false, lockedMs: 5 * MIN });
    assert.equal(l.attempt('192.0.2.8').ok, true, 'another address is not locked');
  });

  it('a success takes the attempts back; a lockout lasts 5 minutes, then 10, doubling up to an hour', async () => {
    const clock = new FakeClock();
    const l = new LoginLimiter({ clock });
    for (let i = 0; i < 9; i++) l.attempt(IP);
    l.success(IP);
    const a = l.attempt(IP);
    assert.deepEqual(a, { ok: true, left: 9 }, 'the count started afresh');
    for (let i = 0; i < 9; i++) l.attempt(IP);
    assert.equal(l.lockedFor(IP), 5 * MIN);
    await clock.advance(5 * MIN - 1);
    assert.equal(l.attempt(IP).ok, false);
    await clock.advance(1);
    for (let i = 0; i < 10; i++) assert.equal(l.attempt(IP).ok, true);
    assert.equal(l.lockedFor(IP), 10 * MIN, 'the second lockout is twice as long');
    for (const expected of [20, 40, 60, 60]) {
      await clock.advance(l.lockedFor(IP));
      for (let i = 0; i < 10; i++) l.attempt(IP);
      assert.equal(l.lockedFor(IP), expected * MIN);
    }
  });

  it('failures older than 15 minutes are forgotten', async () => {
    const clock = new FakeClock();
    const l = new LoginLimiter({ clock });
    for (let i = 0; i < 9; i++) l.attempt(IP);
    await clock.advance(15 * MIN + 1);
    assert.deepEqual(l.attempt(IP), { ok: true, left: 9 });
  });

  it('the state is kept in the data dir (mode 0600) and read back after a restart', async () => {
    const clock = new FakeClock();
    const l = new LoginLimiter({ clock, dataDir: dir });
    for (let i = 0; i < 10; i++) l.attempt(IP);
    await l.flush();
    const file = join(dir, 'web', 'login-limiter.json');
    assert.equal(l.file, file);
    assert.equal((await stat(file)).mode & 0o777, 0o600);

    const again = new LoginLimiter({ clock, dataDir: dir });
    await again.load();
    assert.equal(again.lockedFor(IP), 5 * MIN, 'the lockout survives the restart');
    assert.equal(again.attempt(IP).ok, false);
    await clock.advance(5 * MIN);
    const third = new LoginLimiter({ clock, dataDir: dir });
    await third.load();
    assert.equal(third.attempt(IP).ok, true, 'over once its time is over');
    for (let i = 0; i < 9; i++) third.attempt(IP);
    assert.equal(third.lockedFor(IP), 10 * MIN, 'and the doubling is remembered');
    await third.flush();
  });

  it('attempts in flight are on disk before flush() resolves; a success is too', async () => {
    const clock = new FakeClock();
    const l = new LoginLimiter({ clock, dataDir: dir });
    l.attempt(IP);
    l.attempt(IP);
    await l.flush();
    const read = async () => JSON.parse(await readFile(join(dir, 'web', 'login-limiter.json'), 'utf8'));
    assert.equal((await read()).entries[0][1].failures, 2);
    l.success(IP);
    await l.flush();
    assert.deepEqual((await read()).entries, []);
  });

  it('a missing file is an empty state; a corrupt one is an error to report', async () => {
    const l = new LoginLimiter({ clock: new FakeClock(), dataDir: dir });
    await l.load();
    assert.equal(l.lockedFor(IP), 0);
    await mkdir(join(dir, 'web'));
    await writeFile(join(dir, 'web', 'login-limiter.json'), '{"version":1,"entr');
    await assert.rejects(new LoginLimiter({ clock: new FakeClock(), dataDir: dir }).load(), /login-limiter\.json/);
  });
});
