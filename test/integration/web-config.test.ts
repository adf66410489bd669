/**
 * The config API over real HTTP: whole config and one setting, PATCH validated by the config
 * schema with per-field problems (the very messages of the CLI and autop), secrets masked,
 * the JSON Schema, autop export and import (strict and lenient).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, startAgent, type TestAgent } from './web-support.ts';

let t: TestAgent;
let c: Client;
const portier = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/portier.mjs', ...args, '--data-dir', t.dataDir], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const onDisk = async () => JSON.parse(await readFile(join(t.dataDir, 'config.json'), 'utf8')).config;

before(async () => {
  t = await startAgent();
  c = new Client(t.base);
  assert.equal((await c.setup(t)).status, 200);
});
after(async () => {
  await t?.stop();
});

describe('config API', () => {
  it('reads the whole config, one setting by path or autop key, and a subtree', async () => {
    const all = await c.get('/api/v1/config');
    assert.equal(all.status, 200);
    assert.equal(all.headers.get('cache-control'), 'no-store');
    assert.equal(all.body.result.intercom.maxCallTime, 5);
    const one = await c.get('/api/v1/config/intercom.maxCallTime');
    assert.deepEqual(one.body.result, {
      key: 'intercom.maxCallTime',
      autop: 'Config.Features.DOORPHONE.MaxCallTime',
      value: 5,
    });
    const byAutop = await c.get('/api/v1/config/config.features.doorphone.maxcalltime');
    assert.equal(byAutop.body.result.key, 'intercom.maxCallTime');
    const sub = await c.get('/api/v1/config/relays[1]');
    assert.equal(sub.body.result.key, 'relays.1');
    assert.equal(sub.body.result.value.name, 'Gate');
    const none = await c.get('/api/v1/config/intercom.nope');
    assert.equal(none.status, 404);
    assert.equal(none.body.error.code, 'not_found');
  });

  it('PATCH changes settings, answers the changed keys, and the CLI sees them', async () => {
    const r = await c.req('PATCH', '/api/v1/config', {
      body: { intercom: { maxCallTime: 9 }, relays: { 1: { holdTime: 7 } } },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.result.changed, ['intercom.maxCallTime', 'relays.1.holdTime']);
    assert.equal((await onDisk()).intercom.maxCallTime, 9);
    assert.equal(portier('config', 'get', 'Config.Features.DOORPHONE.MaxCallTime').out.trim(), '9');
    assert.equal(portier('config', 'get', 'relays.1.holdTime').out.trim(), '7');
  });

  it('an invalid PATCH answers 400 with each problem at its field, the CLI wording, and changes nothing', async () => {
    const before = await readFile(join(t.dataDir, 'config.json'), 'utf8');
    const r = await c.req('PATCH', '/api/v1/config', {
      body: {
        intercom: { maxCallTime: 500, dialInTime: 'abc', pushButton: { numbers: ['101', 'bad number'] } },
        relays: { 0: { dtmfCode: '12345' } },
      },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'config_invalid');
    const problems = r.body.error.problems as { key: string; path: unknown[]; message: string; autop?: string }[];
    const byKey = Object.fromEntries(problems.map((p) => [p.key, p]));
    assert.equal(byKey['intercom.maxCallTime']!.message, 'must be at most 120');
    assert.deepEqual(byKey['intercom.maxCallTime']!.path, ['intercom', 'maxCallTime']);
    assert.equal(byKey['intercom.maxCallTime']!.autop, 'Config.Features.DOORPHONE.MaxCallTime');
    assert.equal(byKey['intercom.dialInTime']!.message, 'must be a number');
    assert.match(byKey['intercom.pushButton.numbers.1']!.message, /without spaces/);
    assert.equal(byKey['relays.0.dtmfCode']!.message, 'must be 1 to 4 characters from 0-9 * #');
    assert.equal(await readFile(join(t.dataDir, 'config.json'), 'utf8'), before);

    // The same words as the CLI (which autop and the UI share too).
    const cli = portier('config', 'set', 'intercom.maxCallTime=500');
    assert.equal(cli.err.trim(), `intercom.maxCallTime: ${byKey['intercom.maxCallTime']!.message}`);
    const cross = await c.req('PATCH', '/api/v1/config', { body: { relays: { 1: { dtmfCode: '#' } } } });
    assert.deepEqual(cross.body.error.problems, [
      {
        key: 'relays.1.dtmfCode',
        path: ['relays', 1, 'dtmfCode'],
        message: 'code # is already used by relay 1',
        autop: 'Config.DoorSetting.DTMF.Code2',
      },
    ]);
    const notObject = await c.req('PATCH', '/api/v1/config', { body: [1, 2] });
    assert.equal(notObject.status, 400);
    assert.equal(notObject.body.error.code, 'invalid_body');
    const unknown = await c.req('PATCH', '/api/v1/config', { body: { intercom: { colour: 'red' } } });
    assert.deepEqual(
      unknown.body.error.problems.map((p: { key: string; message: string }) => `${p.key}: ${p.message}`),
      ['intercom.colour: is not a setting'],
    );
  });

  it('PUT one setting reads a text value as autop does', async () => {
    const r = await c.req('PUT', '/api/v1/config/Config.Intercom.PUSHBUTTON.CallType', { body: { value: '1' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result.config.intercom.pushButton.callType, 'sequence');
    const bad = await c.req('PUT', '/api/v1/config/intercom.dialOutTime', { body: { value: 'soon' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.message, 'intercom.dialOutTime: "soon" is not a whole number');
    assert.equal((await c.req('PUT', '/api/v1/config/intercom.dialOutTime', { body: {} })).status, 400);
    assert.equal((await c.req('PUT', '/api/v1/config/nope', { body: { value: 1 } })).status, 404);
  });

  it('validate says what a PATCH would, changing nothing', async () => {
    const r = await c.post('/api/v1/config/validate', { intercom: { maxCallTime: 0 } });
    assert.deepEqual(r.body.result, {
      valid: false,
      problems: [
        {
          key: 'intercom.maxCallTime',
          path: ['intercom', 'maxCallTime'],
          message: 'must be at least 1',
          autop: 'Config.Features.DOORPHONE.MaxCallTime',
        },
      ],
    });
    assert.deepEqual((await c.post('/api/v1/config/validate', { intercom: { maxCallTime: 3 } })).body.result, {
      valid: true,
      problems: [],
    });
    assert.equal((await onDisk()).intercom.maxCallTime, 9);
  });

  it('secrets read as ******** and writing the mask back keeps them', async () => {
    await c.req('PATCH', '/api/v1/config', {
      body: { accounts: { 0: { password: 's3cret!' } }, cloud: { password: 'cloudpw' } },
    });
    const got = (await c.get('/api/v1/config')).body.result;
    assert.equal(got.accounts[0].password, '********');
    assert.equal(got.accounts[1].password, '', 'an empty secret stays empty');
    assert.equal((await c.get('/api/v1/config/accounts.0.password')).body.result.value, '********');
    got.accounts[0].label = 'Reception';
    const back = await c.req('PATCH', '/api/v1/config', { body: got });
    assert.deepEqual(back.body.result.changed, ['accounts.0.label']);
    const disk = await onDisk();
    assert.equal(disk.accounts[0].password, 's3cret!');
    assert.equal(disk.cloud.password, 'cloudpw');
  });

  it('serves the JSON Schema with titles, units, ranges, defaults and autop keys', async () => {
    const s = (await c.get('/api/v1/config/schema')).body.result;
    const m = s.properties.intercom.properties.maxCallTime;
    assert.equal(m.title, 'Max call time');
    assert.equal(m.unit, 'min');
    assert.equal(m.minimum, 1);
    assert.equal(m.maximum, 120);
    assert.equal(m.default, 5);
    assert.equal(m.autop, 'Config.Features.DOORPHONE.MaxCallTime');
  });

  it('exports the config as an autop file', async () => {
    const r = await c.get('/api/v1/config/autop');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/plain/);
    assert.match(r.headers.get('content-disposition')!, /^attachment; filename="[0-9a-z]+\.cfg"$/);
    assert.match(r.text, /^Config\.Features\.DOORPHONE\.MaxCallTime = 9$/m);
    // The CLI's codec; the API leaves the passwords out (the CLI is local: web-secrets.test.ts).
    const settings = (text: string) => text.split('\n').filter((l) => !l.startsWith('#'));
    const cli = settings(portier('config', 'export').out).filter((l) => !/\.(Pwd|Password|ApiToken) = /.test(l));
    assert.deepEqual(settings(r.text), cli);
  });

  it('imports an autop file: strict refuses any problem (as the CLI words it), lenient applies the good lines', async () => {
    const file =
      'Config.Settings.CALLTIMEOUT.DialIn = 999\r\nConfig.Foo.BAR.Baz = 1\r\nConfig.Settings.CALLTIMEOUT.DialOut = 33\r\n';
    const strict = await c.req('POST', '/api/v1/config/autop', { text: file });
    assert.equal(strict.status, 400);
    assert.equal(strict.body.error.code, 'autop_invalid');
    assert.deepEqual(strict.body.error.problems, [
      { line: 1, key: 'Config.Settings.CALLTIMEOUT.DialIn', message: 'must be at most 120' },
      { line: 2, key: 'Config.Foo.BAR.Baz', message: 'unknown key' },
    ]);
    assert.equal((await onDisk()).intercom.dialOutTime, 60);
    const lenient = await c.req('POST', '/api/v1/config/autop?lenient=1', { text: file });
    assert.equal(lenient.status, 200, lenient.text);
    assert.equal(lenient.body.result.applied, 1);
    assert.equal(lenient.body.result.skipped, 2);
    assert.deepEqual(lenient.body.result.changed, ['intercom.dialOutTime']);
    assert.equal((await onDisk()).intercom.dialOutTime, 33);
    const octet = await c.req('POST', '/api/v1/config/autop', {
      text: 'Config.Settings.CALLTIMEOUT.DialOut = 44\n',
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(octet.status, 200, octet.text);
    const json = await c.req('POST', '/api/v1/config/autop', { body: { a: 1 } });
    assert.equal(json.status, 415);
  });
});
