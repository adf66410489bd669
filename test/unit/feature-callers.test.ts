/** Who may call and open: the allowed-callers policy, auto-answer and DTMF door codes by caller. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { parseCallerEntry, parseSipParty } from '../../agent/config/schema/caller-entry.ts';
import { type CallerCall, callerAllowed, dtmfAccepted } from '../../agent/features/support/callers.ts';
import type { CallEnd } from '../../sip/index.ts';
import { rig, validConfig } from './support/feature-rig.ts';

const incoming = (peer: string, more: Partial<CallerCall> = {}): CallerCall => ({
  direction: 'incoming',
  account: null,
  peer,
  ...more,
});
const allowList = (...allowList: string[]) => validConfig({ callFeature: { callers: { allowList } } });
const allowed = (config: ReturnType<typeof validConfig>, call: CallerCall) => callerAllowed(config, call).allowed;

describe('reading a SIP party', () => {
  it('reads user and host from the URI forms callers send', () => {
    assert.deepEqual(parseSipParty('sip:101@10.0.0.5:5060'), { user: '101', host: '10.0.0.5' });
    assert.deepEqual(parseSipParty('<sip:101@10.0.0.5>;tag=a1b2'), { user: '101', host: '10.0.0.5' });
    assert.deepEqual(parseSipParty('"Door, front" <sip:Monitor@PBX.example.com;transport=tcp>;tag=x'), {
      user: 'Monitor',
      host: 'pbx.example.com',
    });
    assert.deepEqual(parseSipParty('sips:a@[fe80::1]:5061'), { user: 'a', host: 'fe80::1' });
    assert.deepEqual(parseSipParty('sip:[FE80::1]'), { host: 'fe80::1' });
    assert.deepEqual(parseSipParty('sip:101:secret@10.0.0.5'), { user: '101', host: '10.0.0.5' });
    assert.deepEqual(parseSipParty('sip:%2B4930@pbx'), { user: '+4930', host: 'pbx' });
    assert.deepEqual(parseSipParty('10.0.0.5'), { host: '10.0.0.5' });
    assert.deepEqual(parseSipParty('fe80::1'), { host: 'fe80::1' });
    assert.deepEqual(parseSipParty('::ffff:10.0.0.5'), { host: '10.0.0.5' });
    assert.deepEqual(parseSipParty('101'), { user: '101' });
  });

  it('reads nothing from what is not a SIP party', () => {
    for (const t of ['', '<sip:101@10.0.0.5', 'sip:101@', 'sip:a@b@', 'sip:a@[fe80::1', 'sip:a b@c', 'http://x/y'])
      assert.deepEqual(parseSipParty(t), {}, t);
  });
});

describe('entries of the allow-list', () => {
  it('parses URIs, addresses, ranges and numbers', () => {
    assert.deepEqual(parseCallerEntry('sip:101@10.0.0.5:5060'), { kind: 'uri', user: '101', host: '10.0.0.5' });
    assert.deepEqual(parseCallerEntry('monitor@Flat3.lan'), { kind: 'uri', user: 'monitor', host: 'flat3.lan' });
    assert.deepEqual(parseCallerEntry('sip:pbx.example.com'), { kind: 'uri', host: 'pbx.example.com' });
    assert.deepEqual(parseCallerEntry('10.0.0.5'), { kind: 'address', address: '10.0.0.5', family: 4 });
    assert.deepEqual(parseCallerEntry('[fe80::1]'), { kind: 'address', address: 'fe80::1', family: 6 });
    assert.deepEqual(parseCallerEntry('192.168.1.0/24'), {
      kind: 'range',
      address: '192.168.1.0',
      prefix: 24,
      family: 4,
    });
    assert.deepEqual(parseCallerEntry('FD00::/8'), { kind: 'range', address: 'fd00::', prefix: 8, family: 6 });
    assert.deepEqual(parseCallerEntry('+4930123'), { kind: 'user', user: '+4930123' });
  });

  it('names what is wrong with an entry, and the config refuses it with the field', () => {
    assert.match(parseCallerEntry('10.0.0.0/33') as string, /prefix length must be at most 32/);
    assert.match(parseCallerEntry('fd00::/129') as string, /at most 128/);
    assert.match(parseCallerEntry('300.1.1.1') as string, /not a valid IP address/);
    assert.match(parseCallerEntry('sip:@') as string, /not a SIP URI/);
    assert.match(parseCallerEntry('10.0.0.0/x') as string, /not an address range/);
    assert.throws(
      () => allowList('sip:101@10.0.0.5', '10.0.0.0/33'),
      /callFeature\.callers\.allowList\.1: .*at most 32/,
    );
    assert.throws(() => allowList('a b'), /callFeature\.callers\.allowList\.0: must be a SIP URI/);
  });
});

describe('callerAllowed', () => {
  it('nobody is allowed out of the box (no numbers, no account)', () => {
    const c = validConfig({});
    for (const peer of ['sip:portier@10.0.0.9', 'sip:101@10.0.0.5', '10.0.0.5', 'sip:monitor@127.0.0.1'])
      assert.equal(allowed(c, incoming(peer)), false, peer);
    assert.deepEqual(callerAllowed(c, incoming('sip:x@10.0.0.9')), { allowed: false, why: 'not an allowed caller' });
  });

  it('a SIP URI entry matches the user at that host, in any form, whatever the port', () => {
    const c = allowList('sip:101@10.0.0.5');
    assert.ok(allowed(c, incoming('sip:101@10.0.0.5:5060')));
    assert.ok(allowed(c, incoming('"Flat 3" <sip:101@10.0.0.5>;tag=9')));
    assert.equal(allowed(c, incoming('sip:102@10.0.0.5')), false);
    assert.equal(allowed(c, incoming('sip:101@10.0.0.6')), false);
    assert.deepEqual(callerAllowed(c, incoming('sip:101@10.0.0.5')), {
      allowed: true,
      why: 'allow-list sip:101@10.0.0.5',
    });
    const anyUser = allowList('sip:[fe80::1]');
    assert.ok(allowed(anyUser, incoming('sip:monitor@[fe80::1]:5060')));
    assert.equal(allowed(anyUser, incoming('sip:monitor@[fe80::2]:5060')), false);
  });

  it('an address or CIDR entry matches the caller host, IPv4 and IPv6', () => {
    const c = allowList('192.168.1.0/24', '10.0.0.5', 'fd00::/8', '[fe80::1]');
    for (const peer of ['sip:a@192.168.1.77', 'sip:b@10.0.0.5:5062', '<sip:c@[fd12::5]:5060>;tag=1', 'sip:d@[FE80::1]'])
      assert.ok(allowed(c, incoming(peer)), peer);
    for (const peer of ['sip:a@192.168.2.1', 'sip:b@10.0.0.50', 'sip:c@[fe00::5]', 'sip:d@[fe80::2]', 'sip:e@host.lan'])
      assert.equal(allowed(c, incoming(peer)), false, peer);
  });

  it('when the engine reports the source address, addresses are matched against it, not the From host', () => {
    const c = allowList('192.168.1.0/24', 'sip:monitor@10.0.0.5');
    assert.equal(allowed(c, incoming('sip:a@192.168.1.7', { source: '10.9.9.9:5060' })), false, 'forged From host');
    assert.ok(allowed(c, incoming('sip:a@anything.example', { source: '192.168.1.7:5060' })));
    assert.ok(allowed(c, incoming('sip:monitor@10.0.0.5', { source: '10.0.0.5:5070' })));
    assert.equal(allowed(c, incoming('sip:monitor@10.0.0.5', { source: '10.0.0.6:5070' })), false);
    const v6 = allowList('fd00::/8');
    assert.ok(allowed(v6, incoming('sip:a@10.0.0.1', { source: '[fd00::7]:5060' })));
    assert.equal(allowed(v6, incoming('sip:a@[fd00::7]', { source: '[fe80::7]:5060' })), false);
  });

  it("a source the engine tracks but cannot tell ('') matches no address, not even by the From host", () => {
    const c = validConfig({
      callFeature: { callers: { allowList: ['10.0.0.5', '10.0.0.0/8', 'sip:monitor@10.0.0.5', 'sip:door@flat3.lan'] } },
    });
    assert.equal(allowed(c, incoming('sip:monitor@10.0.0.5', { source: '' })), false);
    assert.ok(allowed(c, incoming('sip:door@flat3.lan', { source: '' })), 'host names are judged by the From URI');
  });

  it('a number matches only on a call through a SIP account (anyone can claim a number on a direct IP call)', () => {
    const c = allowList('101');
    assert.ok(allowed(c, incoming('sip:101@pbx.example.com', { account: '1' })));
    assert.equal(allowed(c, incoming('sip:101@10.0.0.5', { account: null })), false);
    assert.equal(allowed(c, incoming('sip:1010@pbx.example.com', { account: '1' })), false);
  });

  it('the numbers the door calls are allowed callers, unless turned off', () => {
    const config = (calledNumbers: boolean) =>
      validConfig({
        callFeature: { callers: { calledNumbers } },
        intercom: {
          pushButton: { numbers: ['sip:monitor@10.0.0.5:5070', '192.168.1.20', '201'], groupCallNumber: '600' },
          callSchedule: { 0: { enabled: true, name: 'night', numbers: ['sip:guard@10.0.0.8'], schedules: ['Night'] } },
        },
        schedules: { 0: { name: 'Night' } },
      });
    const on = config(true);
    assert.ok(allowed(on, incoming('sip:monitor@10.0.0.5')));
    assert.ok(allowed(on, incoming('sip:anyone@192.168.1.20:5060')));
    assert.ok(allowed(on, incoming('sip:201@pbx', { account: '1' })));
    assert.ok(allowed(on, incoming('sip:600@pbx', { account: '1' })));
    assert.ok(allowed(on, incoming('sip:guard@10.0.0.8')));
    assert.equal(allowed(on, incoming('sip:201@10.0.0.99')), false);
    assert.deepEqual(
      callerAllowed(on, incoming('sip:monitor@10.0.0.5')).why,
      'called number sip:monitor@10.0.0.5:5070',
    );
    const off = config(false);
    assert.equal(allowed(off, incoming('sip:monitor@10.0.0.5')), false);
  });

  it("the SIP server's accounts: a caller at the account's server or outbound proxy, on that account", () => {
    const accounts = [
      { enabled: true, user: '1001', server: 'pbx.example.com', outboundProxy: '10.0.0.2:5060' },
      { enabled: false, user: '1002', server: '10.0.0.3' },
    ];
    const c = validConfig({ accounts });
    assert.deepEqual(callerAllowed(c, incoming('sip:201@PBX.example.com', { account: '1' })), {
      allowed: true,
      why: 'SIP server account 1 (pbx.example.com)',
    });
    assert.ok(allowed(c, incoming('sip:201@10.0.0.2', { account: '1' })), 'the outbound proxy');
    assert.equal(allowed(c, incoming('sip:201@pbx.example.com', { account: null })), false, 'a direct IP call');
    assert.equal(allowed(c, incoming('sip:201@evil.example.com', { account: '1' })), false, 'another host');
    assert.equal(allowed(c, incoming('sip:201@10.0.0.3', { account: '2' })), false, 'a disabled account');
    assert.equal(allowed(c, incoming('sip:201@10.0.0.2', { account: '1', source: '10.0.0.66:5060' })), false);
    const off = validConfig({ accounts, callFeature: { callers: { sipServer: false } } });
    assert.equal(allowed(off, incoming('sip:201@pbx.example.com', { account: '1' })), false);
  });

  it('DTMF codes: accepted on a call the door placed, on incoming calls only from allowed callers', () => {
    const c = validConfig({});
    assert.deepEqual(dtmfAccepted(c, { direction: 'outgoing', account: null, peer: 'sip:x@10.0.0.9' }), {
      allowed: true,
      why: 'a call the door placed',
    });
    assert.equal(dtmfAccepted(c, incoming('sip:x@10.0.0.9')).allowed, false);
    assert.equal(dtmfAccepted(allowList('10.0.0.9'), incoming('sip:x@10.0.0.9')).allowed, true);
  });
});

describe('auto-answer and DTMF codes by caller (fake engine)', () => {
  let r: ReturnType<typeof rig>;
  afterEach(() => r?.stop());

  it('auto-answers only allowed callers; a stranger rings until the dial in time', async () => {
    r = rig({ callFeature: { callers: { allowList: ['10.0.0.5'] } } });
    await r.features(['auto-answer']);
    const stranger = r.sip.incoming('sip:portier@10.0.0.66', { account: null });
    const friend = r.sip.incoming('sip:monitor@10.0.0.5', { account: null });
    await r.settle();
    assert.deepEqual(r.sip.ops, [{ op: 'answer', callId: friend.id, video: true }]);
    assert.equal(r.sip.calls().find((c) => c.id === stranger.id)?.state, 'incoming', 'the stranger still rings');
  });

  it('with "other callers: reject" a stranger is refused at once, an allowed caller still answered', async () => {
    r = rig({ callFeature: { callers: { allowList: ['10.0.0.5'], others: 'reject' } } });
    await r.features(['auto-answer']);
    const ends: CallEnd[] = [];
    r.sip.events.on('call.closed', ({ end }) => ends.push(end));
    const stranger = r.sip.incoming('sip:portier@10.0.0.66', { account: null });
    const friend = r.sip.incoming('sip:monitor@10.0.0.5', { account: null });
    await r.settle();
    assert.deepEqual(r.sip.ops, [
      { op: 'reject', callId: stranger.id, code: 486 },
      { op: 'answer', callId: friend.id, video: true },
    ]);
    assert.deepEqual(ends, [{ reason: 'rejected', code: 486 }]);
  });

  it('an allow-list change applies to the next call without a restart', async () => {
    r = rig({});
    await r.features(['auto-answer']);
    r.sip.incoming('sip:a@10.0.0.5', { account: null });
    await r.settle();
    assert.deepEqual(r.sip.opsOf('answer'), []);
    r.setConfig({ callFeature: { callers: { allowList: ['10.0.0.0/8'] } } });
    const next = r.sip.incoming('sip:a@10.0.0.5', { account: null });
    await r.settle();
    assert.deepEqual(r.sip.opsOf('answer'), [next.id]);
  });

  async function doorUnlock(patch: object) {
    r = rig({ relays: { 0: { dtmfCode: '#' } }, ...patch });
    const opened: AgentEvents['door.opened'][] = [];
    r.bus.on('door.opened', (e) => opened.push(e));
    await r.features(['door-unlock']);
    return opened;
  }

  it("a stranger's established incoming call: # opens nothing", async () => {
    const opened = await doorUnlock({});
    const call = r.sip.incoming('sip:portier@10.0.0.66', { account: null });
    r.sip.remoteAnswer(call.id);
    r.sip.remoteDtmf(call.id, '#');
    await r.clock.advance(10_000);
    r.sip.remoteDtmf(call.id, '##');
    await r.clock.advance(10_000);
    assert.deepEqual(r.relays.actions, []);
    assert.deepEqual(opened, []);
  });

  it("an allowed caller's incoming call: # opens relay A", async () => {
    const opened = await doorUnlock({ callFeature: { callers: { allowList: ['sip:monitor@10.0.0.5'] } } });
    const call = r.sip.incoming('<sip:monitor@10.0.0.5:5060>;tag=1', { account: null });
    r.sip.remoteAnswer(call.id);
    r.sip.remoteDtmf(call.id, '#');
    await r.settle();
    assert.deepEqual(
      opened.map((o) => [o.relay, o.method]),
      [[0, 'dtmf']],
    );
  });

  it('a call the door placed (the resident it called): # opens relay A, whoever answers', async () => {
    const opened = await doorUnlock({});
    const call = r.sip.dial('sip:resident@10.0.0.77');
    await r.settle();
    r.sip.remoteAnswer(call.id);
    r.sip.remoteDtmf(call.id, '#');
    await r.settle();
    assert.deepEqual(
      opened.map((o) => [o.relay, o.method]),
      [[0, 'dtmf']],
    );
  });
});
