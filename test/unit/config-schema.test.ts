import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig, findLeaf, jsonSchema, leaves, mergePatch, validateConfig } from '../../agent/config/index.ts';

function problemsOf(patch: unknown) {
  const r = validateConfig(mergePatch(defaultConfig(), patch));
  return r.ok ? [] : r.problems.map((p) => `${p.key}: ${p.message}`);
}

describe('config schema', () => {
  it('has sensible defaults that validate', () => {
    const c = defaultConfig();
    assert.equal(c.intercom.maxCallTime, 5);
    assert.equal(c.intercom.dialInTime, 60);
    assert.equal(c.accounts.length, 2);
    assert.equal(c.relays.length, 3);
    assert.equal(c.inputs.length, 4);
    assert.equal(c.intercom.multicast.listen.length, 10);
    assert.equal(c.intercom.callSchedule.length, 10);
    assert.deepEqual(
      c.relays.map((r) => r.line),
      ['RELAY_A', 'RELAY_B', 'RELAY_C'],
    );
    assert.equal(c.relays[0]!.dtmfCode, '#');
    assert.equal(c.inputs[1]!.role, 'exit-button');
    assert.ok(validateConfig(c).ok);
  });

  it('gives every setting an autop key, a title and a kind', () => {
    const all = leaves();
    assert.ok(all.length > 250);
    for (const l of all) {
      assert.match(l.autop, /^Config(\.\w+){2,3}$/, l.key);
      assert.ok(l.meta.title, `${l.key} has a title`);
    }
    assert.equal(new Set(all.map((l) => l.autop.toLowerCase())).size, all.length, 'autop keys are unique');
  });

  it('maps the field autop keys to the settings they mean', () => {
    const expect: Record<string, string> = {
      'Config.Settings.CALLTIMEOUT.DialIn': 'intercom.dialInTime',
      'Config.Settings.CALLTIMEOUT.DialOut': 'intercom.dialOutTime',
      'Config.DoorSetting.RELAY.RelayADelay': 'relays.0.holdTime',
      'Config.DoorSetting.RELAY.RelayBDelay': 'relays.1.holdTime',
      'Config.DoorSetting.DTMF.Code1': 'relays.0.dtmfCode',
      'Config.Features.REJECT.ReturnCode': 'accounts.0.dnd.returnCode',
      'Config.Features.AUTOANSWER.Delay': 'callFeature.autoAnswerSip.delay',
      'Config.Features.DOORPHONE.MaxCallTime': 'intercom.maxCallTime',
      'Config.Account1.GENERAL.UserName': 'accounts.0.user',
      'Config.Account2.GENERAL.Pwd': 'accounts.1.password',
      'Config.Firmware.Url': 'cloud.firmwareUrl',
      'Config.Setting.DATETIME.TimeFormat': 'identity.timeFormat',
    };
    for (const [autop, key] of Object.entries(expect)) assert.equal(findLeaf(autop)?.key, key, autop);
    assert.equal(findLeaf('config.settings.calltimeout.dialin')?.key, 'intercom.dialInTime', 'case-insensitive');
    assert.equal(findLeaf('relays[1].holdTime')?.key, 'relays.1.holdTime', 'bracket paths');
  });

  it('checks ranges and formats, naming the field', () => {
    assert.deepEqual(problemsOf({ intercom: { maxCallTime: 0 } }), ['intercom.maxCallTime: must be at least 1']);
    assert.deepEqual(problemsOf({ intercom: { dialOutTime: 121 } }), ['intercom.dialOutTime: must be at most 120']);
    assert.deepEqual(problemsOf({ intercom: { dialInTime: 7.5 } }), ['intercom.dialInTime: must be a whole number']);
    assert.deepEqual(problemsOf({ relays: { 0: { dtmfCode: '12345' } } }), [
      'relays.0.dtmfCode: must be 1 to 4 characters from 0-9 * #',
    ]);
    assert.deepEqual(problemsOf({ relays: { 0: { dtmfCode: '1a' } } }), [
      'relays.0.dtmfCode: must be 1 to 4 characters from 0-9 * #',
    ]);
    assert.deepEqual(problemsOf({ accounts: { 0: { dnd: { returnCode: '500' } } } }), [
      'accounts.0.dnd.returnCode: must be one of 404, 480, 486, 603',
    ]);
    assert.deepEqual(problemsOf({ intercom: { multicast: { listen: { 0: { address: '192.168.1.1' } } } } }), [
      'intercom.multicast.listen.0.address: must be a multicast address from 224.0.0.0 to 239.255.255.255',
    ]);
    assert.deepEqual(problemsOf({ identity: { timeZone: 'Mars/Olympus' } }), [
      'identity.timeZone: must be an IANA time zone such as Europe/Berlin',
    ]);
    assert.deepEqual(problemsOf({ identity: { name: 'a\nb' } }), [
      'identity.name: must not contain control characters',
    ]);
    assert.deepEqual(problemsOf({ intercom: { pushButton: { numbers: ['101', 'a b'] } } }), [
      'intercom.pushButton.numbers.1: must be a number, SIP URI or IP address without spaces or commas',
    ]);
    assert.deepEqual(problemsOf({ intercom: { pushButton: { numbers: Array(17).fill('1') } } }), [
      'intercom.pushButton.numbers: must have at most 16 entries',
    ]);
    assert.deepEqual(problemsOf({ intercom: { bogus: 1 } }), ['intercom.bogus: is not a setting']);
    assert.deepEqual(problemsOf({ web: { port: 'x' } }), ['web.port: must be a number']);
  });

  it('accepts the edges of each range', () => {
    assert.deepEqual(problemsOf({ intercom: { maxCallTime: 1, dialInTime: 5, dialOutTime: 120 } }), []);
    assert.deepEqual(problemsOf({ intercom: { multicast: { listen: { 0: { address: '224.0.0.0' } } } } }), []);
    assert.deepEqual(problemsOf({ intercom: { multicast: { listen: { 0: { address: '239.255.255.255' } } } } }), []);
    assert.deepEqual(problemsOf({ relays: { 1: { dtmfCode: '*#09' } } }), []);
  });

  describe('cross-field rules', () => {
    it('multicast ports are unique among used addresses', () => {
      const listen = { 0: { address: '224.1.1.1', port: 10000 }, 3: { address: '224.1.1.2', port: 10000 } };
      assert.deepEqual(problemsOf({ intercom: { multicast: { listen } } }), [
        'intercom.multicast.listen.3.port: port 10000 is already used by listening address 1',
      ]);
      // unused slots may share ports
      assert.deepEqual(problemsOf({ intercom: { multicast: { listen: { 3: { port: 10000 } } } } }), []);
    });

    it('relay ids refer to relays that exist and are enabled', () => {
      assert.deepEqual(problemsOf({ intercom: { pushButtonAction: { relay: 4 } } }), [
        'intercom.pushButtonAction.relay: must be at most 3',
      ]);
      assert.deepEqual(problemsOf({ relays: { 0: { enabled: false } } }), [
        'inputs.1.relay: relay 1 (Door) is disabled',
        'inputs.2.relay: relay 1 (Door) is disabled',
      ]);
      assert.deepEqual(problemsOf({ inputs: { 1: { relay: 0 } } }), ['inputs.1.relay: an exit button needs a relay']);
    });

    it('schedule and template names exist', () => {
      assert.deepEqual(problemsOf({ accounts: { 0: { dnd: { when: 'schedule', schedule: 'night' } } } }), [
        'accounts.0.dnd.schedule: schedule "night" does not exist',
      ]);
      assert.deepEqual(problemsOf({ accounts: { 0: { dnd: { when: 'schedule' } } } }), [
        'accounts.0.dnd.schedule: a schedule is required',
      ]);
      assert.deepEqual(
        problemsOf({
          schedules: { 0: { name: 'night', start: '22:00', end: '06:00' } },
          accounts: { 0: { dnd: { when: 'schedule', schedule: 'night' } } },
        }),
        [],
      );
      assert.deepEqual(problemsOf({ inputs: { 0: { callTemplates: ['day'] } } }), [
        'inputs.0.callTemplates.0: template "day" does not exist',
      ]);
      assert.deepEqual(
        problemsOf({
          intercom: { callSchedule: { 0: { enabled: true, name: 'day', numbers: ['101'], schedules: ['work'] } } },
        }),
        ['intercom.callSchedule.0.schedules.0: schedule "work" does not exist'],
      );
      assert.deepEqual(problemsOf({ schedules: { 0: { name: 'a' }, 1: { name: 'a' } } }), [
        'schedules.1.name: name "a" is used twice',
      ]);
    });

    it('relay DTMF codes and GPIO lines are not shared', () => {
      assert.deepEqual(problemsOf({ relays: { 2: { dtmfCode: '#' } } }), [
        'relays.2.dtmfCode: code # is already used by relay 1',
      ]);
      assert.deepEqual(problemsOf({ inputs: { 0: { line: 'RELAY_B' } } }), [
        'inputs.0.line: GPIO line RELAY_B is already used by relay 2',
      ]);
    });

    it('enabled accounts need a server and a user', () => {
      assert.deepEqual(problemsOf({ accounts: { 1: { enabled: true } } }), [
        'accounts.1.server: is required for an enabled account',
        'accounts.1.user: is required for an enabled registered account',
      ]);
      assert.deepEqual(problemsOf({ accounts: { 1: { enabled: true, mode: 'static-ip', server: '10.0.0.2' } } }), []);
    });

    it('push button actions need their targets', () => {
      assert.deepEqual(problemsOf({ intercom: { pushButtonAction: { http: true, email: true, ftp: true } } }), [
        'intercom.pushButtonAction.httpUrl: is required when the HTTP URL action is on',
        'intercom.pushButtonAction.email: needs the SMTP server and receiver address (smtp.host, smtp.to)',
        'intercom.pushButtonAction.ftp: needs the FTP server (ftp.url)',
      ]);
    });
  });

  it('produces a JSON Schema with titles, units, defaults and autop keys', () => {
    const s = jsonSchema() as { properties: Record<string, { properties: Record<string, Record<string, unknown>> }> };
    const max = s.properties.intercom!.properties.maxCallTime!;
    assert.equal(max.title, 'Max call time');
    assert.equal(max.unit, 'min');
    assert.equal(max.default, 5);
    assert.equal(max.minimum, 1);
    assert.equal(max.maximum, 120);
    assert.equal(max.autop, 'Config.Features.DOORPHONE.MaxCallTime');
  });

  it('does not share default objects between configs', () => {
    const a = defaultConfig();
    a.relays[0]!.name = 'changed';
    a.intercom.pushButton.numbers.push('1');
    assert.equal(defaultConfig().relays[0]!.name, 'Door');
    assert.deepEqual(defaultConfig().intercom.pushButton.numbers, []);
  });
});
