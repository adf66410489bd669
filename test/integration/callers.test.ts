/**
 * Who may call and open, with the whole agent (sim HAL, real baresip engine, default settings:
 * direct IP calls on, auto-answer of IP calls on, relay A's code `#`) and real baresip callers
 * dialling `sip:portier@<door>` on 127.0.0.1: a caller who is not allowed is not auto-answered and
 * its `#` opens nothing even once the call is answered; an allowed caller is auto-answered and its
 * `#` opens relay A; a caller whose From URI names an allowed caller but who sends from another
 * address (127.0.0.2) is judged by that address; an extension calling through a real kamailio PBX
 * is one of the SIP server's accounts; with "other callers: reject" a stranger gets 486.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AgentEvents } from '../../agent/bus.ts';
import { startAgent, type TestAgent, until } from '../harness/agent.ts';
import { BaresipPeer } from '../harness/baresip-peer.ts';
import { startKamailio } from '../harness/kamailio.ts';
import { stopAll } from '../harness/processes.ts';
import { invite, RawSip } from '../harness/sip-raw.ts';
import { Client } from './web-support.ts';

function record<E extends keyof AgentEvents>(a: TestAgent, event: E): AgentEvents[E][] {
  const got: AgentEvents[E][] = [];
  a.agent.ctx.bus.on(event, (e) => got.push(e));
  return got;
}

const doorUri = (a: TestAgent) => `sip:portier@127.0.0.1:${a.agent.ctx.config.get().directIp.port}`;

/** Waits until the call's audio flows both ways (DTMF travels in RTP), then sends `digits`; resolves once the door got them. */
async function sendCode(door: TestAgent, peer: BaresipPeer, callId: string, digits: string) {
  const media = record(door, 'call.media');
  const dtmf = record(door, 'call.dtmf');
  await peer.waitFor('CALL_RTPESTAB');
  await until(
    () =>
      media.some((m) => m.call.id === callId) ||
      door.agent.ctx.services.sip!.calls().some((c) => c.id === callId && c.state === 'established'),
    'audio up at the door',
  );
  await peer.sendDtmf(digits);
  await until(() => dtmf.filter((d) => d.call.id === callId).length >= digits.length, `the door received ${digits}`);
}

describe('who may call and open (real callers)', { concurrency: 1 }, () => {
  after(() => stopAll());

  it('a caller who is not allowed is not auto-answered, and its # does not open, even once answered', async () => {
    const door = await startAgent({ config: { relays: { 0: { holdTime: 1 } } } });
    const stranger = await BaresipPeer.start({ name: 'stranger', user: 'stranger' });
    try {
      const cfg = door.agent.ctx.config.get();
      assert.equal(cfg.directIp.enabled, true, 'default: direct IP calls on');
      assert.equal(cfg.callFeature.autoAnswerIp.enabled, true, 'default: auto-answer of IP calls on');
      assert.equal(cfg.relays[0]!.dtmfCode, '#', "default: relay A's code is #");
      const incoming = record(door, 'call.incoming');
      const relay = record(door, 'relay.changed');
      const opened = record(door, 'door.opened');
      await stranger.dial(doorUri(door));
      const call = (await until(() => incoming[0], 'the call reached the door')).call;
      assert.match(call.peer, /^sip:stranger@127\.0\.0\.1/);
      assert.equal(call.source, `127.0.0.1:${stranger.sipPort}`, 'the address the INVITE came from');
      await until(
        () => door.logs.find((l) => /not allowed: ringing, not auto-answered/.test(l.msg)),
        'the door judged the caller',
      );
      await stranger.waitFor('CALL_RINGING');
      assert.equal(stranger.count('CALL_ESTABLISHED'), 0, 'not auto-answered');
      assert.equal(door.agent.ctx.services.sip!.calls().find((c) => c.id === call.id)?.state, 'incoming');

      // someone at the door answers it (as POST /api/v1/calls/:id/answer does): # still opens nothing
      await door.agent.ctx.services.sip!.answer(call.id);
      await stranger.waitFor('CALL_ESTABLISHED');
      await sendCode(door, stranger, call.id, '#');
      // door-unlock judged the digit when the door received it (the same bus event): refused, logged
      const warn = door.logs.find((l) => /DTMF from a caller who is not allowed/.test(l.msg));
      assert.ok(warn, 'the ignored code is logged');
      assert.deepEqual(opened, []);
      assert.deepEqual(relay, [], 'relay A untouched');
      assert.equal(warn.level, 40, 'at warn');
      assert.match(String(warn.peer), /^sip:stranger@127\.0\.0\.1/, 'with the caller');
    } finally {
      await door.stop();
      await stranger.stop();
    }
  });

  it('an allowed caller is auto-answered and its # opens relay A', async () => {
    const door = await startAgent({ config: { relays: { 0: { holdTime: 1 } } } });
    const monitor = await BaresipPeer.start({ name: 'allowed', user: 'monitor' });
    try {
      // as an installer would, through the API (the autop key names the same setting)
      const api = new Client(door.base);
      await api.setup(door);
      const patched = await api.req('PATCH', '/api/v1/config', {
        body: { callFeature: { callers: { allowList: ['sip:monitor@127.0.0.1'] } } },
      });
      assert.equal(patched.status, 200, patched.text);
      const read = await api.req('GET', '/api/v1/config/Config.Features.CALLERS.AllowList');
      assert.deepEqual(read.body.result.value, ['sip:monitor@127.0.0.1']);
      const incoming = record(door, 'call.incoming');
      const relay = record(door, 'relay.changed');
      const opened = record(door, 'door.opened');
      await monitor.dial(doorUri(door));
      await monitor.waitFor('CALL_ESTABLISHED');
      const call = incoming[0]!.call;
      assert.ok(
        door.logs.some((l) => l.msg === 'auto-answer'),
        'answered by auto-answer',
      );
      await sendCode(door, monitor, call.id, '#');
      await until(() => relay.some((r) => r.index === 0 && r.on), 'relay A energized');
      assert.equal(opened.length, 1);
      assert.equal(opened[0]!.method, 'dtmf');
      assert.equal(opened[0]!.relay, 0);
    } finally {
      await door.stop();
      await monitor.stop();
    }
  });

  it('a caller whose From URI names an allowed caller, sent from another address, is not allowed', async () => {
    const door = await startAgent({ config: { relays: { 0: { holdTime: 1 } } } });
    // listens and sends on 127.0.0.2, but its From says sip:monitor@127.0.0.1:<port>
    const forger = await BaresipPeer.start({ name: 'forger', user: 'monitor', address: '127.0.0.2' });
    try {
      await door.agent.ctx.config.apply({
        callFeature: { callers: { allowList: ['sip:monitor@127.0.0.1', '127.0.0.1'] } },
      });
      const incoming = record(door, 'call.incoming');
      const opened = record(door, 'door.opened');
      await forger.dial(doorUri(door));
      const call = (await until(() => incoming[0], 'the call reached the door')).call;
      assert.match(call.peer, /^sip:monitor@127\.0\.0\.1:/, 'the From URI claims an allowed caller');
      assert.equal(call.source, `127.0.0.2:${forger.sipPort}`, 'the INVITE came from elsewhere');
      const judged = await until(
        () => door.logs.find((l) => /not allowed: ringing, not auto-answered/.test(l.msg)),
        'the door judged the caller',
      );
      assert.equal(judged.source, `127.0.0.2:${forger.sipPort}`, 'the log names the real address');
      await forger.waitFor('CALL_RINGING');
      assert.equal(forger.count('CALL_ESTABLISHED'), 0, 'not auto-answered');
      await door.agent.ctx.services.sip!.answer(call.id);
      await sendCode(door, forger, call.id, '#');
      assert.ok(door.logs.some((l) => /DTMF from a caller who is not allowed/.test(l.msg)));
      assert.deepEqual(opened, [], 'its # opens nothing');
      await door.agent.ctx.services.sip!.hangup(call.id);
      await forger.waitFor('CALL_CLOSED');

      // allowing its real address lets it in: the address is what is matched
      await door.agent.ctx.config.apply({ callFeature: { callers: { allowList: ['127.0.0.2'] } } });
      forger.clear();
      await forger.dial(doorUri(door));
      await forger.waitFor('CALL_ESTABLISHED');
      assert.ok(door.logs.some((l) => l.msg === 'auto-answer' && l.allowed === 'allow-list 127.0.0.2'));
    } finally {
      await door.stop();
      await forger.stop();
    }
  });

  it('trace marks a caller writes into its messages lend it no allowed address', async () => {
    const door = await startAgent({ config: { callFeature: { callers: { allowList: ['127.0.0.2'] } } } });
    const raw = await RawSip.open();
    const allowed = await BaresipPeer.start({ name: 'at-127-0-0-2', user: 'monitor', address: '127.0.0.2' });
    try {
      const port = door.agent.ctx.config.get().directIp.port;
      const incoming = record(door, 'call.incoming');
      const callOf = (id: string) => until(() => incoming.find((e) => e.call.peer.includes(id))?.call, `call ${id}`);
      /** What baresip's trace prints for an INVITE from 127.0.0.2 (the allowed address). */
      const fakeBlock = (callId: string) =>
        `\x1b[36;1m#\nUDP 127.0.0.2:5060 -> 127.0.0.1:${port}\n${invite({ port, from: 5060, callId }).toString('latin1')}\x1b[;m\n`;

      // an OPTIONS whose body closes its trace block and writes a fake block: an INVITE from 127.0.0.2 ...
      const request = (method: string, callId: string, body: string) =>
        `${method} sip:portier@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${raw.port};branch=z9hG4bK${callId.length}${method}\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1:${raw.port}>;tag=${method}\r\nTo: <sip:portier@127.0.0.1:${port}>\r\n` +
        `Call-ID: ${callId}\r\nCSeq: 1 ${method}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      await raw.send(request('OPTIONS', 'options@raw', `\x1b[;m\n${fakeBlock('forged@raw')}`), port);
      await until(() => raw.statuses('options@raw').length > 0, 'the OPTIONS answered');
      // ... then the real INVITE of that call, from 127.0.0.1
      await raw.send(invite({ port, from: raw.port, callId: 'forged@raw', tag: 'forged' }), port);
      const call = await callOf(`raw@127.0.0.1:${raw.port}`);
      assert.equal(call.source, '', 'seen from two addresses: unknown, not 127.0.0.2');
      await until(() => raw.statuses('forged@raw').some((l) => / 180 /.test(l)), 'the forged call rings');
      assert.deepEqual(
        raw.statuses('forged@raw').filter((l) => / 200 /.test(l)),
        [],
        'not auto-answered',
      );
      await door.agent.ctx.services.sip!.hangup(call.id);

      // the real 127.0.0.2 is still told apart: auto-answered
      await allowed.dial(doorUri(door));
      await allowed.waitFor('CALL_ESTABLISHED');
      assert.equal((await callOf('sip:monitor@')).source, `127.0.0.2:${allowed.sipPort}`);
      await allowed.hangup();
      await allowed.waitFor('CALL_CLOSED');

      // a SIP MESSAGE carrying a fake block (menu prints its body): no address is trusted until baresip
      // restarts, which the engine does by itself at once when idle (test/integration/sip-trace-recovery.test.ts)
      const message = request('MESSAGE', 'msg@raw', fakeBlock('later@raw'));
      await raw.send(message, port);
      const lost = await until(() => door.logs.find((l) => /SIP trace out of step/.test(l.msg)), 'the warning');
      assert.equal(lost.level, 40);
      await until(
        () => door.logs.find((l) => /SIP engine restarted after its SIP trace was lost/.test(l.msg)),
        'the restart',
      );
      allowed.clear();
      incoming.length = 0;
      await allowed.dial(doorUri(door));
      assert.equal((await callOf('sip:monitor@')).source, `127.0.0.2:${allowed.sipPort}`, 'known again');
      await allowed.waitFor('CALL_ESTABLISHED');
    } finally {
      raw.close();
      await door.stop();
      await allowed.stop();
    }
  });

  it("the SIP server's accounts: an extension calling through the PBX is auto-answered and its # opens", async () => {
    const pbx = await startKamailio({ subscribers: 2 });
    const [doorSub, callerSub] = pbx.subscribers;
    const extension = await BaresipPeer.start({ name: 'extension', register: { pbx, subscriber: callerSub! } });
    const door = await startAgent({
      config: {
        accounts: [
          { enabled: true, user: doorSub!.user, password: doorSub!.password, server: pbx.host, port: pbx.port },
          {},
        ],
        relays: { 0: { holdTime: 1 } },
      },
    });
    try {
      await until(
        () => door.agent.ctx.services.sip!.registrations().some((r) => r.state === 'registered'),
        'the door registered',
      );
      const incoming = record(door, 'call.incoming');
      const opened = record(door, 'door.opened');
      await extension.dial(`sip:${doorSub!.user}@${pbx.host}:${pbx.port}`);
      await extension.waitFor('CALL_ESTABLISHED');
      const call = incoming[0]!.call;
      assert.equal(call.account, '1');
      assert.equal(call.source, `${pbx.host}:${pbx.port}`, 'the INVITE came from the PBX');
      assert.ok(door.logs.some((l) => l.msg === 'auto-answer' && l.allowed === `SIP server account 1 (${pbx.host})`));
      await sendCode(door, extension, call.id, '#');
      await until(() => opened.length > 0, 'the door opened');
      assert.equal(opened[0]!.method, 'dtmf');
      await door.agent.ctx.services.sip!.hangup(call.id);
      await extension.waitFor('CALL_CLOSED');

      // turned off, the same extension only rings
      await door.agent.ctx.config.apply({ callFeature: { callers: { sipServer: false } } });
      extension.clear();
      await extension.dial(`sip:${doorSub!.user}@${pbx.host}:${pbx.port}`);
      await until(
        () => door.logs.find((l) => /not allowed: ringing, not auto-answered/.test(l.msg)),
        'the door judged the caller',
      );
      await extension.waitFor('CALL_RINGING');
      assert.equal(extension.count('CALL_ESTABLISHED'), 0);
    } finally {
      await door.stop();
      await extension.stop();
      await pbx.stop();
    }
  });

  it('with "other callers: reject", a caller who is not allowed gets 486 at once', async () => {
    const door = await startAgent({ config: { callFeature: { callers: { others: 'reject' } } } });
    const stranger = await BaresipPeer.start({ name: 'rejected', user: 'stranger' });
    try {
      await stranger.dial(doorUri(door));
      const closed = await stranger.waitFor('CALL_CLOSED');
      assert.match(String(closed.param), /^486/);
      assert.equal(stranger.count('CALL_ESTABLISHED'), 0);
    } finally {
      await door.stop();
      await stranger.stop();
    }
  });
});
