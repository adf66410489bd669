/** API tokens carry a scope; a token stored before scopes existed loads as `admin` (what it could do then). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '../../core/index.ts';
import { authorize, CredentialStore, type Principal } from '../../web/auth/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-credentials-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const token = (scope: 'read' | 'door' | 'admin'): Principal => ({
  kind: 'token',
  user: 'token:x',
  tokenId: 'tok_x',
  tokenName: 'x',
  scope,
});

describe('API token scopes', () => {
  it('a token is created with its scope, kept in the file, and found with it', async () => {
    const clock = new FakeClock();
    const store = new CredentialStore({ dataDir: dir, clock });
    await store.load();
    const { token: secret, info } = await store.createToken('Door app', 'door');
    assert.equal(info.scope, 'door');
    assert.equal(store.findToken(secret)?.scope, 'door');
    const again = new CredentialStore({ dataDir: dir, clock });
    await again.load();
    assert.deepEqual(
      again.tokens().map((t) => [t.name, t.scope]),
      [['Door app', 'door']],
    );
    assert.equal(again.findToken(secret)?.scope, 'door');
  });

  it('a token stored without a scope (before scopes existed) loads as admin', async () => {
    const secret = `ptk_${'a'.repeat(43)}`;
    const old = {
      version: 1,
      admin: null,
      tokens: [
        {
          id: 'tok_old',
          name: 'old',
          createdAt: 1,
          hint: 'ptk_aaaa…',
          hash: createHash('sha256').update(secret).digest('hex'),
        },
      ],
    };
    await mkdir(join(dir, 'web'));
    await writeFile(join(dir, 'web', 'credentials.json'), JSON.stringify(old));
    const store = new CredentialStore({ dataDir: dir, clock: new FakeClock() });
    await store.load();
    assert.equal(store.findToken(secret)?.scope, 'admin');
    assert.equal(store.tokens()[0]?.scope, 'admin');
    await store.createToken('new', 'read');
    const file = JSON.parse(await readFile(join(dir, 'web', 'credentials.json'), 'utf8'));
    assert.deepEqual(
      file.tokens.map((t: { id: string; scope: string }) => t.scope),
      ['admin', 'read'],
      'written back with its scope',
    );
  });

  it('the guard: a route needs what it declares, else read for GET and admin for a change', () => {
    const code = (p: Principal, method: string, declared?: 'read' | 'door' | 'admin' | 'session') =>
      authorize(p, method, declared)?.code ?? 'ok';
    assert.equal(code(token('read'), 'GET'), 'ok');
    assert.equal(code(token('read'), 'HEAD'), 'ok');
    assert.equal(code(token('read'), 'POST'), 'forbidden');
    assert.equal(code(token('read'), 'DELETE'), 'forbidden');
    assert.equal(code(token('read'), 'POST', 'door'), 'forbidden');
    assert.equal(code(token('read'), 'POST', 'read'), 'ok');
    assert.equal(code(token('door'), 'POST', 'door'), 'ok');
    assert.equal(code(token('door'), 'PATCH'), 'forbidden');
    assert.equal(code(token('door'), 'GET', 'admin'), 'forbidden');
    assert.equal(code(token('admin'), 'PATCH'), 'ok');
    assert.equal(code(token('admin'), 'GET', 'session'), 'session_required');
    assert.equal(code(token('admin'), 'POST', 'session'), 'session_required');
    const session = { kind: 'session', user: 'admin', session: {} } as Principal;
    assert.equal(code(session, 'POST', 'session'), 'ok');
    assert.equal(code(session, 'DELETE'), 'ok');
  });
});
