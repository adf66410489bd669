/**
 * Secrets (SIP, SMTP, FTP, cloud passwords) never leave the device through an API read: the autop
 * export leaves them out (and importing it back keeps them in force); the export with secrets is
 * for the admin's session that enters the admin password again (a wrong one counts toward the
 * lockout); the config reads, status and info, the SSE feed, the 2N log pull and the error
 * messages carry none of them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findLeaf } from '../../agent/config/index.ts';
import { Client, startAgent, type TestAgent } from './web-support.ts';

const PASSWORD = 'correct horse battery';
let t: TestAgent;
let admin: Client;
const tokens: Record<string, string> = {};

const SECRETS = {
  sip: 'SipSecret-4711',
  smtp: 'SmtpSecret-0815',
  ftp: 'FtpSecret-2342',
  cloud: 'CloudSecret-9001',
};
const PATCH = {
  accounts: [{ password: SECRETS.sip }],
  smtp: { password: SECRETS.smtp },
  ftp: { password: SECRETS.ftp },
  cloud: { password: SECRETS.cloud },
};

const inForce = () => {
  const c = t.agent.ctx.config.get();
  return { sip: c.accounts[0]!.password, smtp: c.smtp.password, ftp: c.ftp.password, cloud: c.cloud.password };
};
const assertNoSecret = (text: string, what: string, secrets: string[] = Object.values(SECRETS)) => {
  for (const s of secrets) assert.ok(!text.includes(s), `${what} holds a secret (${s})`);
};
const client = (token: string) => Object.assign(new Client(t.base), { token });

before(async () => {
  t = await startAgent({ dev: false });
  admin = new Client(t.base);
  assert.equal((await admin.setup(t, PASSWORD)).status, 200);
  const r = await admin.req('PATCH', '/api/v1/config', { body: PATCH });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(inForce(), SECRETS);
  for (const scope of ['read', 'admin']) {
    const made = await admin.post('/api/v1/auth/tokens', { name: scope, scope });
    tokens[scope] = made.body.result.token;
  }
});
after(async () => {
  await t?.stop();
});

describe('secrets', () => {
  it('the autop export leaves the secrets out, says so, and importing it back keeps them in force', async () => {
    for (const who of [admin, client(tokens.admin!), client(tokens.read!)]) {
      const r = await who.get('/api/v1/config/autop');
      assert.equal(r.status, 200, r.text);
      assertNoSecret(r.text, 'the export');
      assert.doesNotMatch(r.text, /^Config\.Account1\.GENERAL\.Pwd\s*=/m, 'no secret line, not even empty');
      assert.match(r.text, /^# Passwords are left out \(importing this file keeps the passwords in force\):$/m);
      assert.match(r.text, /^# {3}Config\.Settings\.EMAIL\.Password$/m);
      assert.match(r.text, /^Config\.Account1\.GENERAL\.UserName = /m, 'the other settings are there');
    }
    const exported = (await admin.get('/api/v1/config/autop')).text;
    const key = findLeaf('intercom.maxCallTime')!.autop;
    const changed = exported.replace(new RegExp(`^${key.replaceAll('.', '\\.')} = .*$`, 'm'), `${key} = 33`);
    assert.notEqual(changed, exported);
    const back = await admin.req('POST', '/api/v1/config/autop', { text: changed });
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(back.body.result.changed, ['intercom.maxCallTime']);
    assert.deepEqual(inForce(), SECRETS, 'the passwords are still in force after the round trip');
  });

  it('the export with secrets: the admin session with the admin password only; a wrong one counts toward the lockout', async () => {
    const path = '/api/v1/config/autop/export';
    const byToken = await client(tokens.admin!).post(path, { password: PASSWORD, secrets: true });
    assert.equal(byToken.status, 403);
    assert.equal(byToken.body.error.code, 'session_required');
    assertNoSecret(byToken.text, 'the refusal');

    const noFlag = await admin.post(path, { password: PASSWORD });
    assert.equal(noFlag.status, 400);
    assert.equal(noFlag.body.error.problems[0].key, 'secrets');

    const wrong = await admin.post(path, { password: 'not the password', secrets: true });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'wrong_password');
    assert.equal(wrong.body.error.attemptsLeft, 9);
    assertNoSecret(wrong.text, 'the refusal');
    const login = await new Client(t.base).post('/api/v1/auth/login', { password: 'still not it' });
    assert.equal(login.body.error.attemptsLeft, 8, 'the wrong export password counted toward the login lockout');

    const r = await admin.post(path, { password: PASSWORD, secrets: true });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-disposition') ?? '', /-with-secrets\.cfg"$/);
    assert.match(r.text, new RegExp(`^Config\\.Account1\\.GENERAL\\.Pwd = ${SECRETS.sip}$`, 'm'));
    for (const s of Object.values(SECRETS)) assert.ok(r.text.includes(s), `the export with secrets holds ${s}`);
    assert.ok(t.logs.some((l) => l.msg === 'autop export with the secrets' && l.by === 'admin'));
    const back = await admin.req('POST', '/api/v1/config/autop', { text: r.text });
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(inForce(), SECRETS);
    assert.equal((await new Client(t.base).login(PASSWORD)).status, 200, 'a success resets the count');
  });

  it('config reads, status, info, logs, relays, inputs and calls carry no secret', async () => {
    for (const who of [admin, client(tokens.read!)]) {
      for (const path of [
        '/api/v1/config',
        '/api/v1/config/accounts',
        '/api/v1/config/accounts.0.password',
        '/api/v1/config/Config.Account1.GENERAL.Pwd',
        '/api/v1/config/smtp',
        '/api/v1/config/Config.Settings.FTP.Password',
        '/api/v1/config/cloud.password',
        '/api/v1/system/status',
        '/api/v1/system/info',
        '/api/v1/logs/calls',
        '/api/v1/logs/door',
        '/api/v1/relays',
        '/api/v1/inputs',
        '/api/v1/calls',
      ]) {
        const r = await who.get(path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        assertNoSecret(r.text, path);
      }
    }
    const one = await admin.get('/api/v1/config/accounts.0.password');
    assert.equal(one.body.result.value, '********');
  });

  it('errors do not echo a secret: an invalid password, a PUT, a validation, an autop line', async () => {
    const bad = `Leak-${'x'.repeat(140)}`; // over the 128-character limit
    const answers = [
      await admin.req('PATCH', '/api/v1/config', { body: { smtp: { password: bad }, intercom: { maxCallTime: -1 } } }),
      await admin.req('PUT', '/api/v1/config/accounts.0.password', { body: { value: bad } }),
      await admin.req('PUT', '/api/v1/config/Config.Cloud.GENERAL.Password', { body: { value: bad } }),
      await admin.post('/api/v1/config/validate', { ftp: { password: bad } }),
      await admin.req('POST', '/api/v1/config/autop', { text: `Config.Settings.EMAIL.Password = ${bad}\n` }),
    ];
    for (const r of answers) {
      assert.ok(r.status === 400 || (r.status === 200 && r.body.result.valid === false), r.text);
      assert.ok(!r.text.includes('Leak-'), `the answer echoes the value: ${r.text}`);
      assertNoSecret(r.text, 'an error');
    }
    assert.deepEqual(inForce(), SECRETS, 'nothing changed');
  });

  it('the SSE feed and the 2N log pull give config.changed with the keys only, never the config', async () => {
    const reader = client(tokens.read!);
    const sub = await reader.get('/api/v1/log/subscribe?filter=config.changed&duration=30');
    assert.equal(sub.status, 200, sub.text);
    const ac = new AbortController();
    const res = await fetch(`${t.base}/api/v1/events?events=config.changed`, {
      headers: { authorization: `Bearer ${tokens.read}` },
      signal: ac.signal,
    });
    assert.equal(res.status, 200);
    let streamed = '';
    const got = (async () => {
      const dec = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          streamed += dec.decode(chunk, { stream: true });
          if (/event: config\.changed\n.*\n\n/.test(streamed)) return;
        }
      } catch {
        // aborted
      }
    })();
    const newSmtp = 'SmtpSecret-Rotated-77';
    assert.equal((await admin.req('PATCH', '/api/v1/config', { body: { smtp: { password: newSmtp } } })).status, 200);
    await got;
    ac.abort();
    const data = JSON.parse(/event: config\.changed\ndata: (.*)\n/.exec(streamed)![1]!);
    assert.deepEqual(data, { keys: ['smtp.password'], source: 'api:admin' });
    assertNoSecret(streamed, 'the SSE feed', [...Object.values(SECRETS), newSmtp]);

    const pulled = await reader.get(`/api/v1/log/pull?id=${sub.body.result.id}&timeout=5`);
    assert.equal(pulled.status, 200);
    assert.deepEqual(
      pulled.body.result.events.map((e: { event: string; params: unknown }) => [e.event, e.params]),
      [['config.changed', { keys: ['smtp.password'], source: 'api:admin' }]],
    );
    assertNoSecret(pulled.text, 'the log pull', [...Object.values(SECRETS), newSmtp]);
    await admin.req('PATCH', '/api/v1/config', { body: { smtp: { password: SECRETS.smtp } } });
  });
});
