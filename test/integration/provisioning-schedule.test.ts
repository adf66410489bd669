/**
 * Scheduled runs against a real HTTP server on 127.0.0.1, time driven by the fake clock: the server
 * is down at one run (refused, nothing changes) and up at the next (applied); a run that falls
 * during a call fetches nothing until the call has ended.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { FakeClock } from '../../core/index.ts';
import { type FileServer, startFileServer } from '../harness/http-server.ts';
import { freeTcpPort } from '../harness/ports.ts';
import { MAC_LOWER, provisioningRig } from '../harness/provisioning-rig.ts';
import { until } from './web-support.ts';

const MIN = 60_000;
let port: number;
let srv: FileServer | undefined;

before(async () => {
  port = await freeTcpPort();
});
after(async () => {
  await srv?.close();
});

it('the server down at one run and up at the next: the next scheduled run applies', async () => {
  const clock = new FakeClock();
  const rig = await provisioningRig({
    clock,
    random: () => 0,
    config: {
      cloud: { autopUrl: `http://127.0.0.1:${port}/p/`, autopMode: 'power-on-repeatedly', autopInterval: 10 },
    },
  });
  try {
    await rig.prov.start();
    await clock.advance(0);
    const first = await until(async () => (await rig.prov.status()).runs[0], 'the power-on run');
    assert.equal(first.outcome, 'failed');
    assert.equal(first.error, `common.cfg: connection refused by 127.0.0.1:${port}`);
    assert.equal(rig.changes.length, 0);

    srv = await startFileServer({ port });
    srv.files.set('/p/common.cfg', 'Config.Features.DOORPHONE.MaxCallTime = 9\n');
    srv.files.set(`/p/${MAC_LOWER}`, 'Config.DeviceInfo.DEVICEINFO.Location = Gate\n');
    await clock.advance(10 * MIN);
    const second = await until(
      async () => (await rig.prov.status()).runs[1] && (await rig.prov.status()).runs[0],
      'the repeated run',
    );
    assert.equal(second.outcome, 'applied', JSON.stringify(second));
    assert.equal(second.trigger, 'repeatedly');
    assert.equal(rig.store.get().intercom.maxCallTime, 9);
    assert.equal(rig.store.get().identity.location, 'Gate');

    // a call is in progress at the next run: nothing is fetched until it ends
    srv.files.set(`/p/${MAC_LOWER}`, 'Config.DeviceInfo.DEVICEINFO.Location = Back gate\n');
    const asked = srv.requests.length;
    rig.calls.open = 1;
    await clock.advance(10 * MIN);
    await until(async () => (await rig.prov.status()).waitingForCall, 'the run waiting for the call');
    assert.equal(srv.requests.length, asked, 'nothing fetched during the call');
    assert.equal(rig.store.get().identity.location, 'Gate');
    rig.calls.open = 0;
    rig.bus.emit('call.closed', { call: {} as never, end: {} as never });
    await until(() => rig.store.get().identity.location === 'Back gate', 'the run after the call');
    assert.equal(srv.requests.length, asked + 2);
  } finally {
    await rig.close();
  }
});
