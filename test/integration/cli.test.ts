/** The `portier` command as an installer or a script uses it. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

let dir: string;
const portier = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/portier.mjs', ...args, '--data-dir', dir], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portier-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('portier CLI', () => {
  it('config set changes settings by schema path or autop key, and config get reads them', () => {
    const r = portier('config', 'set', 'intercom.maxCallTime=10', 'Config.DoorSetting.RELAY.RelayBDelay=7');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), 'changed: intercom.maxCallTime, relays.1.holdTime');
    assert.equal(portier('config', 'get', 'Config.Features.DOORPHONE.MaxCallTime').out.trim(), '10');
    assert.equal(portier('config', 'get', 'relays.1.holdTime').out.trim(), '7');
    assert.equal(JSON.parse(portier('config', 'get', 'relays.1').out).holdTime, 7);
  });

  it('config set with a bad value names the field and changes nothing', async () => {
    const before = await readFile(join(dir, 'config.json'), 'utf8');
    const r = portier('config', 'set', 'intercom.dialInTime=30', 'intercom.maxCallTime=500');
    assert.equal(r.code, 1);
    assert.equal(r.err.trim(), 'intercom.maxCallTime: must be at most 120');
    const r2 = portier('config', 'set', 'intercom.dialInTime=abc', 'nope.key=1');
    assert.equal(r2.code, 1);
    assert.equal(r2.err.trim(), 'intercom.dialInTime: "abc" is not a whole number\nnope.key: no such setting');
    assert.equal(await readFile(join(dir, 'config.json'), 'utf8'), before);
  });

  it('autop check reports each problem as line N: key: reason and exits 1', async () => {
    const file = join(dir, 'bad.cfg');
    await writeFile(
      file,
      'Config.Settings.CALLTIMEOUT.DialIn = 999\r\nConfig.Foo.BAR.Baz = 1\r\nConfig.Settings.CALLTIMEOUT.DialOut = 30\r\n',
    );
    const r = portier('autop', 'check', file);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /^line 1: Config\.Settings\.CALLTIMEOUT\.DialIn: must be at most 120\nline 2: Config\.Foo\.BAR\.Baz: unknown key\n/,
    );
  });

  it('a strict import with a problem changes nothing; --lenient applies the valid lines and still exits 1', async () => {
    const file = join(dir, 'mixed.cfg');
    await writeFile(file, 'Config.Settings.CALLTIMEOUT.DialIn = 999\nConfig.Settings.CALLTIMEOUT.DialOut = 33\n');
    const before = await readFile(join(dir, 'config.json'), 'utf8');
    assert.equal(portier('config', 'import', file).code, 1);
    assert.equal(await readFile(join(dir, 'config.json'), 'utf8'), before);
    const r = portier('config', 'import', file, '--lenient');
    assert.equal(r.code, 1);
    assert.match(r.err, /line 1: .*must be at most 120/);
    assert.equal(portier('config', 'get', 'intercom.dialOutTime').out.trim(), '33');
    assert.equal(portier('config', 'get', 'intercom.dialInTime').out.trim(), '60');
  });

  it('export then import of the export changes nothing', async () => {
    const exported = portier('config', 'export');
    assert.equal(exported.code, 0);
    assert.match(exported.out, /^Config\.Features\.DOORPHONE\.MaxCallTime = 10$/m);
    const file = join(dir, 'export.cfg');
    await writeFile(file, exported.out);
    const r = portier('config', 'import', file);
    assert.equal(r.code, 0, r.err);
    assert.equal(portier('config', 'export').out, exported.out);
  });

  it('prints the JSON Schema, and usage errors exit 2', () => {
    const schema = JSON.parse(portier('schema').out);
    assert.equal(schema.properties.intercom.properties.dialInTime.maximum, 120);
    assert.equal(portier('frobnicate').code, 2);
  });
});
