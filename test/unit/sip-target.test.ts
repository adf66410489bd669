import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountError, accountLine, directIpLine } from '../../sip/baresip/account-line.ts';
import type { AccountSpec } from '../../sip/index.ts';
import { completeTarget, isAddress } from '../../sip/target.ts';

const account: AccountSpec = {
  id: '1',
  mode: 'registered',
  user: '1001',
  authUser: '',
  password: 's3cret',
  displayName: 'Front door',
  server: 'pbx.example.com',
  port: 5060,
  transport: 'udp',
  registerInterval: 1800,
  outboundProxy: '',
  dtmfMode: 'rfc4733',
  srtp: 'off',
};

describe('dial targets', () => {
  const ctx = { account, directIpUser: 'portier' };
  it('sends extensions and numbers to the account server', () => {
    assert.equal(completeTarget('101', ctx), 'sip:101@pbx.example.com');
    assert.equal(completeTarget(' *78 ', ctx), 'sip:*78@pbx.example.com');
    assert.equal(completeTarget('#9', ctx), 'sip:%239@pbx.example.com');
    assert.equal(
      completeTarget('101', { ...ctx, account: { ...account, port: 5080 } }),
      'sip:101@pbx.example.com:5080',
    );
    assert.equal(
      completeTarget('101', { ...ctx, account: { ...account, transport: 'tls', port: 5061 } }),
      'sip:101@pbx.example.com',
    );
  });

  it('keeps SIP URIs, and gives a user to addresses that have none', () => {
    assert.equal(completeTarget('sip:monitor@10.0.0.5:5062', ctx), 'sip:monitor@10.0.0.5:5062');
    assert.equal(completeTarget('SIP:10.0.0.5', ctx), 'sip:portier@10.0.0.5');
    assert.equal(completeTarget('monitor@10.0.0.5', ctx), 'sip:monitor@10.0.0.5');
    assert.equal(completeTarget('10.0.0.5:5070', { directIpUser: 'door' }), 'sip:door@10.0.0.5:5070');
    assert.equal(completeTarget('[fd00::5]', { directIpUser: 'door' }), 'sip:door@[fd00::5]');
    assert.ok(isAddress('192.168.1.20') && !isAddress('101'));
  });

  it('refuses what cannot be called, with the reason', () => {
    assert.throws(() => completeTarget('', ctx), /empty/);
    assert.throws(() => completeTarget('101', { directIpUser: 'p' }), /direct IP call needs an IP address/);
    assert.throws(() => completeTarget('two words', ctx), /cannot be a SIP user name/);
    assert.throws(() => completeTarget('a@b c', ctx), /not a host/);
  });
});

describe('baresip account lines', () => {
  it('registered account: digest auth, interval, manual answer; the AOR as baresip names it', () => {
    assert.deepEqual(accountLine({ ...account, authUser: 'login' }, 'Door'), {
      aor: 'sip:1001@pbx.example.com',
      line: '"Front door" <sip:1001@pbx.example.com>;auth_user=login;auth_pass=s3cret;regint=1800;answermode=manual',
    });
  });

  it('TCP, port, outbound proxy, SRTP; display name falls back and is cleaned', () => {
    const { aor, line } = accountLine(
      {
        ...account,
        displayName: '',
        transport: 'tcp',
        port: 5080,
        outboundProxy: 'proxy.example.com:5070',
        srtp: 'mandatory',
      },
      'Gate "A"',
    );
    assert.equal(aor, 'sip:1001@pbx.example.com:5080');
    assert.equal(
      line,
      '"Gate A" <sip:1001@pbx.example.com:5080;transport=tcp>;auth_pass=s3cret;regint=1800;answermode=manual;outbound=sip:proxy.example.com:5070;mediaenc=srtp-mand',
    );
  });

  it('static-IP account does not register', () => {
    assert.equal(
      accountLine({ ...account, mode: 'static-ip' }, '').line,
      '"Front door" <sip:1001@pbx.example.com>;regint=0;answermode=manual',
    );
  });

  it('refuses values baresip cannot read back, naming the field', () => {
    assert.throws(
      () => accountLine({ ...account, password: 'a;b' }, ''),
      (e: Error) => e instanceof AccountError && /password/.test(e.message),
    );
    assert.throws(() => accountLine({ ...account, password: 'a b' }, ''), /password/);
    assert.throws(() => accountLine({ ...account, server: 'bad host' }, ''), /SIP server/);
    assert.throws(() => accountLine({ ...account, user: '' }, ''), /user name is empty/);
    assert.throws(() => accountLine({ ...account, password: 'x'.repeat(1000) }, ''), /too long/);
  });

  it('direct IP user agent', () => {
    assert.deepEqual(directIpLine({ user: 'portier', host: '192.168.1.5', port: 5060, displayName: 'Front door' }), {
      aor: 'sip:portier@192.168.1.5',
      line: '"Front door" <sip:portier@192.168.1.5>;regint=0;answermode=manual',
    });
  });
});
