/**
 * The provisioning API of a running agent (the part registered in the agent): POST
 * /api/v1/provisioning/run runs now against a real HTTP server, GET /api/v1/provisioning shows the
 * server URL, where it came from, and the record of the run; both need a login. The cloud link's
 * standing commands are applied again after the server's files (a server file cannot undo them).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type FileServer, startFileServer } from '../harness/http-server.ts';
import { Client, startAgent, type TestAgent } from './web-support.ts';

let t: TestAgent;
let c: Client;
let srv: FileServer;
let dataDir: string;

before(async () => {
  srv = await startFileServer();
  // a standing command of the cloud link (agent/cloud/standing.ts), kept by the device
  dataDir = await mkdtemp(join(tmpdir(), 'portier-prov-api-'));
  await mkdir(join(dataDir, 'cloud'));
  await writeFile(join(dataDir, 'cloud', 'standing.cfg'), 'Config.Settings.CALLTIMEOUT.DialOut = 33\n');
  t = await startAgent({
    dataDir,
    config: {
      identity: { mac: '0C:11:05:00:00:42' },
      cloud: { autopUrl: `${srv.base}/p/`, autopMode: 'repeatedly', autopInterval: 600 },
    },
  });
  c = new Client(t.base);
  assert.equal((await c.setup(t)).status, 200);
});
after(async () => {
  await t?.stop();
  await srv?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('run now, then the record in GET; a bad line is shown with its file and line', async () => {
  assert.equal((await new Client(t.base).get('/api/v1/provisioning')).status, 401);
  srv.files.set(
    '/p/common.cfg',
    'Config.Features.DOORPHONE.MaxCallTime = 6\nConfig.Settings.CALLTIMEOUT.DialOut = 20\n',
  );
  srv.files.set('/p/0c1105000042.cfg', 'Config.DeviceInfo.DEVICEINFO.Location = <b>Porch</b>\n');
  const run = await c.post('/api/v1/provisioning/run', {});
  assert.equal(run.status, 200, run.text);
  assert.equal(run.body.result.run.outcome, 'applied');
  assert.equal(t.agent.ctx.config.get().identity.location, '<b>Porch</b>');
  assert.equal(t.agent.ctx.config.get().intercom.maxCallTime, 6);
  assert.equal(t.agent.ctx.config.get().intercom.dialOutTime, 33, 'the standing command of the cloud is applied again');
  assert.deepEqual(run.body.result.run.standing, { applied: 1, problems: [] });

  srv.files.set('/p/0c1105000042.cfg', 'Config.DeviceInfo.DEVICEINFO.Location = Porch\nConfig.Bad = 1\n');
  const bad = await c.post('/api/v1/provisioning/run', {});
  assert.equal(bad.body.result.run.outcome, 'rejected');

  const s = await c.get('/api/v1/provisioning');
  assert.equal(s.status, 200);
  const st = s.body.result;
  assert.deepEqual(st.server, { url: `${srv.base}/p/`, source: 'static' });
  assert.equal(st.mode, 'repeatedly');
  assert.equal(st.waitingForCall, false);
  assert.ok(st.nextRunAt, 'the next scheduled run');
  assert.deepEqual(
    st.runs.map((r: { outcome: string }) => r.outcome),
    ['rejected', 'applied'],
  );
  assert.deepEqual(st.runs[0].problems, ['0c1105000042.cfg line 2: Config.Bad: unknown key']);
  assert.equal(t.agent.ctx.config.get().identity.location, '<b>Porch</b>', 'the rejected file changed nothing');
  assert.ok(
    t.logs.some((l) => l.msg.includes('provisioning: rejected') && String(l.msg).includes('line 2: Config.Bad')),
    'the rejection is logged with the file and line',
  );
});
