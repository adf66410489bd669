/**
 * The indoor monitor through a real kamailio PBX: the door phone and the monitor each register an
 * account; the door's push button calls the monitor's extension. The monitor recognises the door by
 * its door list entry `sip:<door extension>@<PBX address>:<port>` (the INVITE comes from the PBX's
 * address, the From user is the door's extension), rings, answers through its API, and its Open
 * sends relay A's code: the door's relay energizes and its door log names the monitor's extension.
 * With DND on the monitor, the door's call is refused with 486.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startAgent, type TestAgent, until } from '../harness/agent.ts';
import { startKamailio } from '../harness/kamailio.ts';
import { stopAll } from '../harness/processes.ts';
import { press, record, tokenClient } from './monitor-support.ts';

describe('indoor monitor through a PBX (kamailio)', { concurrency: 1 }, () => {
  after(() => stopAll());

  it('press → ringing as the door → answer → Open; DND → 486', async () => {
    const pbx = await startKamailio({ subscribers: 2 });
    const [doorSub, monitorSub] = pbx.subscribers;
    const account = (s: { user: string; password: string }) => [
      { enabled: true, user: s.user, password: s.password, server: pbx.host, port: pbx.port },
      {},
    ];
    let door: TestAgent | undefined;
    let monitor: TestAgent | undefined;
    try {
      door = await startAgent({
        config: {
          accounts: account(doorSub!),
          relays: { 0: { holdTime: 1 } },
          intercom: { pushButton: { numbers: [monitorSub!.user] } },
        },
      });
      monitor = await startAgent({
        config: {
          identity: { role: 'indoor-monitor' },
          accounts: account(monitorSub!),
          // the call features' auto-answer applies on a monitor too: the PBX's calls are allowed callers
          callFeature: { autoAnswerSip: { enabled: false } },
          monitor: {
            doors: {
              0: { enabled: true, name: 'Front door', address: `sip:${doorSub!.user}@${pbx.host}:${pbx.port}` },
            },
          },
        },
      });
      for (const a of [door, monitor])
        await until(
          () => a.agent.ctx.services.sip!.registrations().some((r) => r.state === 'registered'),
          'registered at the PBX',
        );
      const { client } = await tokenClient(monitor, 'resident');
      const ringing = record(monitor, 'monitor.ringing');
      const relays = record(door, 'relay.changed');
      const media = record(door, 'call.media');
      const monitorMedia = record(monitor, 'call.media');
      await press(door);
      const ring = await until(() => ringing[0], 'the monitor rings');
      assert.equal(ring.call.account, '1', 'on its account');
      assert.equal(ring.call.source, `${pbx.host}:${pbx.port}`, 'the INVITE came from the PBX');
      assert.deepEqual(ring.door, { index: 0, name: 'Front door' });
      const ans = await client.post(`/api/v1/monitor/calls/${ring.call.id}/answer`);
      assert.equal(ans.status, 200, ans.text);
      await until(() => media[0] && monitorMedia[0], 'audio both ways');
      const open = await client.post(`/api/v1/monitor/calls/${ring.call.id}/open/1`);
      assert.equal(open.status, 200, open.text);
      await until(() => relays.find((r) => r.index === 0 && r.on), "the door's relay A energizes");
      const entry = await until(
        () => door!.agent.ctx.services.doorLog!.page({}).entries.find((e) => e.method === 'dtmf'),
        'the door log',
      );
      assert.match(entry.by, new RegExp(`^sip:${monitorSub!.user}@`), 'the door log names the monitor');
      const closed = record(door, 'call.closed');
      await client.post(`/api/v1/monitor/calls/${ring.call.id}/hangup`);
      await until(() => closed[0], 'hung up');

      assert.equal((await client.req('PUT', '/api/v1/monitor/dnd', { body: { on: true } })).status, 200);
      const refused = record(door, 'call.closed');
      const rings = ringing.length;
      await press(door);
      const end = await until(() => refused[0], "the door's call ends");
      assert.equal(end.end.code, 486);
      assert.equal(ringing.length, rings, 'nothing rang');
    } finally {
      await monitor?.stop();
      await door?.stop();
      await pbx.stop();
    }
  });
});
