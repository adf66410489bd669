/**
 * Auto-provisioning on the emulated door phone: QEMU's user network answers the device's DHCP
 * client (busybox udhcpc) with option 66 (`tftp-server-name=10.0.2.2`) and serves TFTP from a
 * directory this test fills (`tftp=`). At boot the agent takes the server from option 66, fetches
 * common.cfg and then its own <MAC>.cfg over TFTP, and applies them: the settings are read back
 * through the device's HTTP API, with the run's record.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '../integration/web-support.ts';
import { buildImage, DoorPhoneVm } from './vm.ts';

/** QEMU's default MAC of the first NIC: the MAC file is named after it. */
const MAC = '52:54:00:12:34:56';
const MAC_FILE = '525400123456.cfg';

let vm: DoorPhoneVm;
let dir: string;

before(async () => {
  buildImage();
  dir = await mkdtemp(join(tmpdir(), 'portier-tftp-'));
  await writeFile(
    join(dir, 'common.cfg'),
    '# every door of the site\nConfig.Features.DOORPHONE.MaxCallTime = 9\nConfig.Settings.CALLTIMEOUT.DialIn = 95\n',
  );
  await writeFile(
    join(dir, MAC_FILE),
    'Config.Features.DOORPHONE.MaxCallTime = 4\nConfig.DeviceInfo.DEVICEINFO.Location = QEMU porch\n',
  );
  vm = await DoorPhoneVm.boot({ netdev: [`tftp=${dir}`, 'tftp-server-name=10.0.2.2'] });
});

after(async () => {
  await vm?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('provisioning on the emulated door phone (DHCP option 66, TFTP)', () => {
  it('gets option 66 from DHCP and hands it to the agent', async () => {
    await vm.waitForConsole(/portier-vm: dhcp bound 10\.0\.2\.15 option 66 10\.0\.2\.2/, { timeoutMs: 10_000 });
    assert.equal((await vm.sh('cat /run/portier/dhcp-options')).trim(), 'tftp=10.0.2.2');
    assert.equal((await vm.sh('cat /sys/class/net/eth0/address')).trim().toUpperCase(), MAC);
  });

  it("fetches its files over TFTP at boot: the MAC file's settings are in force (read through the API)", async () => {
    // power on: the run falls within the power-on jitter (30 s by default) after the agent starts
    await vm.waitForConsole(/"msg":"provisioning: applied"/, { timeoutMs: 180_000 });
    const setup = await vm.waitForConsole(/"setupCode":"[^"]+"/, { timeoutMs: 10_000 });
    const code = /"setupCode":"([^"]+)"/.exec(setup)?.[1] as string;
    const c = new Client(vm.url('http', ''));
    const r = await c.setup({ setupCode: () => code } as never);
    assert.equal(r.status, 200, r.text);

    const config = (await c.get('/api/v1/config')).body.result;
    assert.equal(config.intercom.maxCallTime, 4, 'the MAC file overrides the common file');
    assert.equal(config.intercom.dialInTime, 95, 'the common file applies');
    assert.equal(config.identity.location, 'QEMU porch');

    const st = (await c.get('/api/v1/provisioning')).body.result;
    assert.deepEqual(st.server, { url: 'tftp://10.0.2.2/', source: 'dhcp-66' });
    const run = st.runs[0];
    assert.equal(run.trigger, 'power-on');
    assert.equal(run.outcome, 'applied');
    assert.deepEqual(
      run.files.map((f: { name: string; status: string }) => [f.name, f.status]),
      [
        ['common.cfg', 'fetched'],
        [MAC_FILE, 'fetched'],
      ],
    );
  });
});
