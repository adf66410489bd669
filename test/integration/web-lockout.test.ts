/**
 * The login lockout over real HTTP: it is kept across a restart of the agent (in the data dir,
 * `web/login-limiter.json`, mode 0600), and a burst of concurrent wrong logins cannot get more
 * than 10 passwords verified (an attempt counts before its hash is awaited).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client, startAgent, type TestAgent } from './web-support.ts';

const PASSWORD = 'correct horse battery';
const running = new Set<TestAgent>();
const dirs: string[] = [];

async function start(dataDir?: string): Promise<TestAgent> {
  const t = await startAgent({ dev: false, ...(dataDir ? { dataDir } : {}) });
  running.add(t);
  return t;
}
async function stop(t: TestAgent): Promise<void> {
  running.delete(t);
  await t.stop();
}

after(async () => {
  for (const t of [...running]) await stop(t);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('login lockout', () => {
  it('10 wrong logins, a restart of the agent: the right password is still locked out', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'portier-lockout-'));
    dirs.push(dataDir);
    const first = await start(dataDir);
    assert.equal((await new Client(first.base).setup(first, PASSWORD)).status, 200);
    const c = new Client(first.base);
    const codes: string[] = [];
    for (let i = 0; i < 10; i++)
      codes.push((await c.post('/api/v1/auth/login', { password: `wrong ${i}` })).body.error.code);
    assert.deepEqual(codes, [...Array(9).fill('wrong_password'), 'login_locked']);
    const file = join(dataDir, 'web', 'login-limiter.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    await stop(first);

    const second = await start(dataDir);
    const r = await new Client(second.base).post('/api/v1/auth/login', { password: PASSWORD });
    assert.equal(r.status, 429, r.text);
    assert.equal(r.body.error.code, 'login_locked');
    const retry = Number(r.headers.get('retry-after'));
    assert.ok(retry > 0 && retry <= 300, `Retry-After ${retry}`);
    await stop(second);
  });

  it('a burst of 30 concurrent wrong logins gets at most 10 passwords verified; the rest are 429', async () => {
    const t = await start();
    assert.equal((await new Client(t.base).setup(t, PASSWORD)).status, 200);
    // Counts the password hashes computed (scrypt, in web/auth/passwords.ts) during the burst.
    const scrypt = crypto.scrypt;
    let verified = 0;
    crypto.scrypt = ((...args: Parameters<typeof scrypt>) => {
      verified++;
      return scrypt(...args);
    }) as typeof scrypt;
    syncBuiltinESMExports();
    let burst: Awaited<ReturnType<Client['post']>>[];
    try {
      burst = await Promise.all(
        Array.from({ length: 30 }, (_, i) => new Client(t.base).post('/api/v1/auth/login', { password: `wrong ${i}` })),
      );
    } finally {
      crypto.scrypt = scrypt;
      syncBuiltinESMExports();
    }
    const count = (code: string) => burst.filter((r) => r.body.error.code === code).length;
    assert.equal(verified, 10, `${verified} passwords verified`);
    assert.equal(count('wrong_password'), 9);
    assert.equal(count('login_locked'), 21);
    assert.equal(t.logs.filter((l) => l.msg === 'login failed').length, 9);
    const right = await new Client(t.base).post('/api/v1/auth/login', { password: PASSWORD });
    assert.equal(right.status, 429);
    await stop(t);
  });
});
