/**
 * The indoor monitor's pure parts: door addresses (the schema refuses a bad one naming the field),
 * which door a call is from (by the INVITE's source, with the port when the entry has one; an unknown
 * caller is never a door), the door list's rules, messages as plain text, and the read receipt as a
 * cloud event.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bus } from '../../agent/bus.ts';
import { forwardEvents } from '../../agent/cloud/events.ts';
import type { CloudEvent } from '../../agent/cloud/protocol/index.ts';
import { configSchema, defaultConfig, findLeaf, parseDoorAddress, readAutop } from '../../agent/config/index.ts';
import { createFeatures, DOOR_PHONE_ONLY } from '../../agent/features/index.ts';
import { matchDoor, plainText } from '../../agent/monitor/index.ts';
import { FakeClock, silentLogger } from '../../core/index.ts';
import { FakeSipEngine } from '../../sip/fake.ts';

const problems = (input: unknown) => {
  const r = configSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

function withDoor(door: Record<string, unknown>) {
  const c = defaultConfig();
  c.monitor.doors[0] = { ...c.monitor.doors[0]!, enabled: true, name: 'Front door', ...door };
  return c;
}

const call = (peer: string, source?: string) => ({
  peer,
  direction: 'incoming' as const,
  ...(source !== undefined ? { source } : {}),
});

describe('indoor monitor: the door list', () => {
  it('reads SIP URIs and IP addresses, refuses the rest naming the field', () => {
    assert.deepEqual(parseDoorAddress('sip:portier@10.0.0.5:5062'), { user: 'portier', host: '10.0.0.5', port: 5062 });
    assert.deepEqual(parseDoorAddress('10.0.0.5'), { host: '10.0.0.5' });
    assert.deepEqual(parseDoorAddress('[fd00::5]:5060'), { host: 'fd00::5', port: 5060 });
    for (const bad of ['101', 'front door', '10.0.0.300', 'sip:a@10.0.0.5:70000', 'sip:'])
      assert.equal(typeof parseDoorAddress(bad), 'string', bad);
    const d = (x: Record<string, unknown>) => {
      const doors = defaultConfig().monitor.doors;
      doors[1] = { ...doors[1]!, enabled: true, ...x } as never;
      return { monitor: { doors } };
    };
    assert.deepEqual(problems(d({ address: 'front door' })), [
      'monitor.doors.1.address: "front door" is not a SIP URI or IP address such as sip:portier@10.0.0.5:5060 or 10.0.0.5',
    ]);
    assert.deepEqual(problems(d({ address: '' })), ['monitor.doors.1.address: is required for an enabled door']);
    assert.deepEqual(problems(d({ address: '10.0.0.5', relayA: { unlock: 'dtmf', code: '12345', name: '' } })), [
      'monitor.doors.1.relayA.code: must be 1 to 4 characters from 0-9 * #',
    ]);
    assert.deepEqual(problems(d({ address: '10.0.0.5', relayB: { unlock: 'http', code: '', name: '' } })), [
      'monitor.doors.1.apiUrl: is required to open relay B by HTTP',
      'monitor.doors.1.apiToken: is required to open relay B by HTTP',
    ]);
    assert.equal(findLeaf('Config.Monitor.DOOR2.RelayBUnlock')?.key, 'monitor.doors.1.relayB.unlock');
    assert.equal(findLeaf('monitor.doors.0.apiToken')?.meta.secret, true, 'the token is a secret field');
    const good = readAutop(
      'Config.Monitor.DOOR1.Enable = 1\nConfig.Monitor.DOOR1.Address = 10.0.0.5\nconfig.monitor.door1.relayacode = *1\n',
      defaultConfig(),
    );
    assert.deepEqual(good.problems, []);
    assert.equal(good.config?.monitor.doors[0]?.relayA.code, '*1');
    const bad = readAutop(
      'Config.Monitor.DOOR1.Enable = 1\nConfig.Monitor.DOOR1.Address = door one\n',
      defaultConfig(),
    );
    assert.equal(bad.config, undefined);
    assert.match(JSON.stringify(bad.problems), /Config\.Monitor\.DOOR1\.Address/);
  });

  it('a call is from a door by the address it came from; anything else is unknown', () => {
    const c = withDoor({ address: 'sip:portier@10.0.0.5:5062' });
    assert.deepEqual(matchDoor(c, call('sip:portier@10.0.0.5:5062', '10.0.0.5:5062')), {
      index: 0,
      name: 'Front door',
    });
    assert.equal(matchDoor(c, call('sip:portier@10.0.0.5:5062', '10.0.0.9:5062')), null, 'a From that lies');
    assert.equal(matchDoor(c, call('sip:portier@10.0.0.5:5062', '10.0.0.5:5070')), null, 'another port');
    assert.equal(matchDoor(c, call('sip:portier@10.0.0.5:5062', '')), null, 'unknown source');
    assert.equal(matchDoor(c, call('sip:someone@10.0.0.5:5062', '10.0.0.5:5062')), null, 'another user');
    const byIp = withDoor({ address: '10.0.0.5' });
    assert.equal(matchDoor(byIp, call('sip:x@10.0.0.5', '10.0.0.5:5060'))?.name, 'Front door');
    assert.equal(matchDoor(byIp, call('sip:x@10.0.0.5', '10.0.0.5:6000'))?.name, 'Front door', 'no port: any');
    const disabled = withDoor({ address: '10.0.0.5', enabled: false });
    assert.equal(matchDoor(disabled, call('sip:x@10.0.0.5', '10.0.0.5:5060')), null);
  });

  it('messages are plain text: control characters stripped, over-long truncated with a mark', () => {
    assert.equal(plainText('a\u0007b\u001b[31mc\u0085d', 64, false), 'ab[31mcd');
    assert.equal(plainText('line 1\nline 2\r\n', 64, true), 'line 1\nline 2\n');
    assert.equal(plainText('line 1\nline 2', 64, false), 'line 1line 2');
    assert.equal(plainText('<b>x</b>', 64, false), '<b>x</b>', 'markup stays text (the page never renders HTML)');
    const long = plainText('x'.repeat(2000), 1000, true);
    assert.equal([...long].length, 1000);
    assert.ok(long.endsWith(' […]'));
  });

  it('the read receipt is a `message` event on the cloud link', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 29, 12, 0, 0));
    const bus = new Bus();
    const sent: [string, CloudEvent][] = [];
    forwardEvents({ bus, clock, startedAt: clock.monotonic(), sink: (t, e) => sent.push([t, e]) });
    bus.emit('message.read', { id: 'job-7', at: clock.now() });
    assert.equal(sent[0]![0], 'message');
    assert.deepEqual(sent[0]![1].params, { id: 'job-7', state: 'read' });
  });

  it('the monitor role runs no push-button calls and no DTMF door unlock; the other features stay', () => {
    const build = (role: 'door-phone' | 'indoor-monitor') => {
      const c = defaultConfig();
      c.identity.role = role;
      const names = createFeatures(
        {
          config: { get: () => c },
          bus: new Bus(),
          clock: new FakeClock(0),
          log: silentLogger(),
          sip: new FakeSipEngine(),
          relays: {} as never,
          door: {} as never,
        },
        { sinks: () => ({ write() {}, close() {} }) },
      ).map((m) => m.name);
      return names;
    };
    const door = build('door-phone');
    const monitor = build('indoor-monitor');
    for (const n of DOOR_PHONE_ONLY) {
      assert.ok(door.includes(n), n);
      assert.ok(!monitor.includes(n), n);
    }
    for (const n of ['dnd', 'call-timers', 'exit-button', 'multicast-paging']) assert.ok(monitor.includes(n), n);
    // A monitor answers nothing by itself: a call from a door (through a PBX too) rings for the resident.
    assert.ok(!monitor.includes('auto-answer'));
  });
});
