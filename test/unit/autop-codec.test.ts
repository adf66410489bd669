import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig, formatAutopProblems, parseAutop, readAutop, writeAutop } from '../../agent/config/index.ts';

const read = (text: string, lenient = false) => readAutop(text, defaultConfig(), { lenient });

describe('autop parser', () => {
  it('reads comments, blank lines, CRLF, a BOM, spaces around = and quoted values', () => {
    const text =
      '\uFEFF# provisioning for the front door\r\n; another comment\r\n\r\n' +
      '  Config.Settings.CALLTIMEOUT.DialIn   =   45  \r\n' +
      'Config.DeviceInfo.DEVICEINFO.Location="  Hall \\"B\\"  "\r\n' +
      'Config.Intercom.PUSHBUTTONACTION.HttpUrl = http://10.0.0.9/ring?door=1&x=#a;b\n' +
      '// slash comment\rConfig.DeviceInfo.DEVICEINFO.Name =\n';
    const { entries, problems } = parseAutop(text);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      entries.map((e) => [e.line, e.key, e.value]),
      [
        [4, 'Config.Settings.CALLTIMEOUT.DialIn', '45'],
        [5, 'Config.DeviceInfo.DEVICEINFO.Location', '  Hall "B"  '],
        [6, 'Config.Intercom.PUSHBUTTONACTION.HttpUrl', 'http://10.0.0.9/ring?door=1&x=#a;b'],
        [8, 'Config.DeviceInfo.DEVICEINFO.Name', ''],
      ],
    );
  });

  it('reports lines that are not Key = Value', () => {
    const { problems } = parseAutop('Config.A.B.C = 1\njust words\n= 5\n');
    assert.equal(formatAutopProblems(problems), 'line 2: just words: expected Key = Value\nline 3: : the key is empty');
  });
});

describe('autop import', () => {
  it('maps field keys to settings with the meaning and units they have there', () => {
    const r = read(
      [
        'Config.Features.DOORPHONE.MaxCallTime = 10', // minutes, as on door phones
        'config.settings.calltimeout.DIALIN = 30', // casing varies between generators
        'Config.Settings.CallTimeout.DialOut = 20',
        'Config.DoorSetting.RELAY.RelayADelay = 8',
        'Config.DoorSetting.DTMF.Code1 = 1234',
        'Config.Features.REJECT.ReturnCode = 603',
        'Config.Features.AUTOANSWER.Delay = 3',
        'Config.Account1.GENERAL.UserName = 1001',
        'Config.Account1.SIP.TransType = 1', // numeric code of the field
        'Config.Account2.SIP.TransType = TLS', // or the name, any case
        'Config.DoorSetting.RELAY.RelayBType = inverted',
        'Config.Intercom.PUSHBUTTON.Numbers = 101, 102;sip:103@pbx.local',
        'Config.Account1.GENERAL.Enable = yes',
        'Config.Account1.SIP.Server = pbx.example.com',
      ].join('\n'),
    );
    assert.deepEqual(r.problems, []);
    const c = r.config!;
    assert.equal(c.intercom.maxCallTime, 10);
    assert.equal(c.intercom.dialInTime, 30);
    assert.equal(c.intercom.dialOutTime, 20);
    assert.equal(c.relays[0]!.holdTime, 8);
    assert.equal(c.relays[0]!.dtmfCode, '1234');
    assert.equal(c.accounts[0]!.dnd.returnCode, '603');
    assert.equal(c.callFeature.autoAnswerSip.delay, 3);
    assert.equal(c.accounts[0]!.user, '1001');
    assert.equal(c.accounts[0]!.transport, 'tcp');
    assert.equal(c.accounts[1]!.transport, 'tls');
    assert.equal(c.relays[1]!.type, 'inverted');
    assert.deepEqual(c.intercom.pushButton.numbers, ['101', '102', 'sip:103@pbx.local']);
  });

  it('reports every problem, one line each, and applies nothing (strict)', () => {
    const r = read(
      [
        'Config.Settings.CALLTIMEOUT.DialIn = 300',
        'Config.Nope.X.Y = 1',
        'Config.Account1.GENERAL.Enable = maybe',
        'Config.DoorSetting.RELAY.RelayADelay = 2.5',
        'Config.DoorSetting.RELAY.RelayAType = 7',
        'Config.DoorSetting.DTMF.Code2 = #',
        'Config.Intercom.PUSHBUTTON.CallType = 0',
        'nonsense',
      ].join('\n'),
    );
    assert.equal(r.config, undefined);
    assert.equal(
      formatAutopProblems(r.problems),
      [
        'line 1: Config.Settings.CALLTIMEOUT.DialIn: must be at most 120',
        'line 2: Config.Nope.X.Y: unknown key',
        'line 3: Config.Account1.GENERAL.Enable: "maybe" is not a boolean (use 1/0, true/false, on/off)',
        'line 4: Config.DoorSetting.RELAY.RelayADelay: "2.5" is not a whole number',
        'line 5: Config.DoorSetting.RELAY.RelayAType: "7" is not one of 0=normal, 1=inverted',
        'line 6: Config.DoorSetting.DTMF.Code2: code # is already used by relay 1',
        'line 8: nonsense: expected Key = Value',
      ].join('\n'),
    );
  });

  it('names the config when a rule is broken by settings not in the file', () => {
    const r = read('Config.DoorSetting.RELAY.RelayAEnable = 0');
    assert.equal(
      formatAutopProblems(r.problems),
      'config: Config.DoorSetting.INPUT.InputBRelay: relay 1 (Door) is disabled\n' +
        'config: Config.DoorSetting.INPUT.InputCRelay: relay 1 (Door) is disabled',
    );
  });

  it('lenient: applies the valid lines and reports the rest', () => {
    const r = read(
      [
        'Config.Settings.CALLTIMEOUT.DialIn = 300',
        'Config.Settings.CALLTIMEOUT.DialOut = 30',
        'Config.Nope.X.Y = 1',
        'Config.DoorSetting.DTMF.Code2 = #',
        'Config.DoorSetting.RELAY.RelayBDelay = 9',
      ].join('\n'),
      true,
    );
    assert.ok(r.config);
    assert.equal(r.config.intercom.dialInTime, 60, 'bad line skipped');
    assert.equal(r.config.intercom.dialOutTime, 30);
    assert.equal(r.config.relays[1]!.dtmfCode, '');
    assert.equal(r.config.relays[1]!.holdTime, 9);
    assert.deepEqual(
      r.applied.map((a) => a.line),
      [2, 5],
    );
    assert.deepEqual(
      r.problems.map((p) => p.line),
      [1, 3, 4],
    );
  });

  it('lenient: a line that breaks a rule with the config in force is skipped alone', () => {
    const r = read('Config.DoorSetting.RELAY.RelayAEnable = 0\nConfig.Settings.CALLTIMEOUT.DialOut = 30', true);
    assert.ok(r.config);
    assert.equal(r.config.relays[0]!.enabled, true);
    assert.equal(r.config.intercom.dialOutTime, 30);
    assert.deepEqual(
      r.problems.map((p) => p.line),
      [1, 1],
    );
  });

  it('the last of duplicate keys wins', () => {
    const r = read('Config.Settings.CALLTIMEOUT.DialIn = 30\nConfig.Settings.CALLTIMEOUT.DialIn = 40');
    assert.equal(r.config?.intercom.dialInTime, 40);
  });

  it('a file of settings that depend on each other applies as a whole', () => {
    const r = read(
      [
        'Config.DoorSetting.INPUT.InputACallTemplates = day',
        'Config.CallSchedule.TEMPLATE1.Enable = 1',
        'Config.CallSchedule.TEMPLATE1.Name = day',
        'Config.CallSchedule.TEMPLATE1.Numbers = 101,102',
        'Config.CallSchedule.TEMPLATE1.Schedules = office',
        'Config.Schedule.SCHEDULE1.Name = office',
        'Config.Schedule.SCHEDULE1.Days = Mon,Tue,Wed,Thu,Fri',
        'Config.Schedule.SCHEDULE1.Start = 08:00',
        'Config.Schedule.SCHEDULE1.End = 18:00',
      ].join('\n'),
    );
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config!.schedules[0]!.days, ['mon', 'tue', 'wed', 'thu', 'fri']);
  });

  it('a file from a server cannot change a setting the device alone sets (its MAC); the device can', () => {
    const mac = 'Config.DeviceInfo.DEVICEINFO.MAC = 0C:11:05:00:00:99';
    const current = readAutop('Config.DeviceInfo.DEVICEINFO.MAC = 0C:11:05:00:00:01', defaultConfig()).config!;
    const server = readAutop(`${mac}\nConfig.DeviceInfo.DEVICEINFO.Name = Gate`, current, { fromServer: true });
    assert.equal(server.config, undefined);
    assert.deepEqual(server.problems, [
      {
        line: 1,
        key: 'Config.DeviceInfo.DEVICEINFO.MAC',
        message: 'is set on the device only; a file from a server cannot change it',
      },
    ]);
    const same = readAutop('Config.DeviceInfo.DEVICEINFO.MAC = 0C:11:05:00:00:01', current, { fromServer: true });
    assert.deepEqual(same.problems, []);
    assert.equal(readAutop(mac, current).config?.identity.mac, '0C:11:05:00:00:99');
  });
});

describe('autop export', () => {
  it('writes every setting once, with field codes, and reads back to the same config', () => {
    const c = defaultConfig();
    c.identity.location = ' lobby "east" ';
    c.accounts[0]!.transport = 'tcp';
    const text = writeAutop(c);
    assert.match(text, /^Config\.Account1\.SIP\.TransType = 1$/m);
    assert.match(text, /^Config\.DeviceInfo\.DEVICEINFO\.Location = " lobby \\"east\\" "$/m);
    assert.deepEqual(readAutop(text, defaultConfig()).config, c);
  });

  it('can leave secrets out', () => {
    const c = defaultConfig();
    c.accounts[0]!.password = 'hunter2';
    assert.match(writeAutop(c), /Pwd = hunter2/);
    assert.doesNotMatch(writeAutop(c, { secrets: false }), /Pwd/);
  });
});
