/**
 * The Firmware card (Security & System) in Debian's chromium: one GET when the page opens, then the
 * update's progress from the events stream (`firmware.update`), with no further request while an
 * update runs (the card used to poll every second); Cancel while the update can still be cancelled
 * sends DELETE /api/v1/firmware and the card shows the cancelled update. An update is started from
 * the card, after a confirmation, from a URL or by uploading a bundle (the service gets the URL, or
 * a file on the data disk with the bytes chosen; the source `ui`); a refusal is shown with its
 * reason. The firmware service is a stand-in (this host has no A/B slots; the real installer runs
 * in the VM).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { FirmwareService, FirmwareUpdate } from '../../agent/firmware/index.ts';
import { buildUi } from '../../web/build-ui.ts';
import { Client, startAgent, type TestAgent } from '../integration/web-support.ts';
import { launchChromium, type TestBrowser } from './lib/browser.ts';

let t: TestAgent;
let b: TestBrowser;
let page: Page;
const pageErrors: string[] = [];
/** Requests the page made to /api/v1/firmware: "METHOD". */
const firmwareRequests: string[] = [];
const cancels: string[] = [];
let current: FirmwareUpdate | null = null;
/** Updates the card started: what the service was asked, and an uploaded file's bytes. */
const begun: { source: string; url?: string; bytes?: Buffer }[] = [];
/** The confirmations the page asked; accepted only while `acceptDialogs`. */
const dialogs: string[] = [];
let acceptDialogs = false;

const update = (patch: Partial<FirmwareUpdate>): FirmwareUpdate => {
  current = {
    id: 'u1',
    source: 'api',
    url: 'https://fw.example.com/dp1-2.0.raucb',
    version: '2.0',
    step: 'downloading',
    fromVersion: '1.0',
    startedAt: Date.now(),
    updatedAt: Date.now(),
    ...(current ?? {}),
    ...patch,
  };
  for (const k of Object.keys(patch) as (keyof FirmwareUpdate)[]) if (patch[k] === undefined) delete current[k];
  t.agent.ctx.bus.emit('firmware.update', current);
  return current;
};

before(async () => {
  await buildUi({ ifStale: true });
  t = await startAgent();
  const c = new Client(t.base);
  assert.equal((await c.setup(t, 'correct horse battery')).status, 200);
  const fake: FirmwareService = {
    available: true,
    reason: undefined,
    version: '1.0',
    status: async () => ({
      available: true,
      version: '1.0',
      compatible: 'portier-door-qemu',
      booted: 'A',
      slots: [
        { name: 'rootfs.0', bootname: 'A', device: '/dev/vda', state: 'booted', bootStatus: 'good', version: '1.0' },
        { name: 'rootfs.1', bootname: 'B', device: '/dev/vdb', state: 'inactive', bootStatus: 'good' },
      ],
      health: { passed: true },
      update: current,
    }),
    current: () => current,
    begin: async (req) => {
      begun.push({
        source: req.source,
        ...(req.url ? { url: req.url } : {}),
        ...(req.file ? { bytes: await readFile(req.file) } : {}),
      });
      return {
        id: `u${begun.length + 2}`,
        source: req.source,
        step: 'downloading',
        fromVersion: '1.0',
        startedAt: Date.now(),
        updatedAt: Date.now(),
      };
    },
    cancel: async (reason) => {
      cancels.push(reason);
      return update({ step: 'canceled', percent: undefined, message: reason });
    },
    on: () => () => {},
    watch: () => () => {},
    offered: () => undefined,
    offer: async () => {},
    withdraw: async () => {},
    installOffered: async () => {
      throw new Error('not in this test');
    },
  };
  t.agent.ctx.services.firmware = fake;
  b = await launchChromium();
  const context = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    if (acceptDialogs && d.type() === 'confirm') return void d.accept();
    pageErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/v1/firmware') firmwareRequests.push(r.method());
  });
});
after(async () => {
  await b?.close();
  await t?.stop();
});

it('one GET on opening; the progress arrives over the events stream without polling; Cancel cancels', async () => {
  await page.goto(`${t.base}/`);
  await page.fill('#login-password', 'correct horse battery');
  await page.click('#login-submit');
  await page.locator('nav a[data-page="status"][aria-current]').waitFor();
  await page.locator('#live-state[data-state="live"]').waitFor();
  await page.goto(`${t.base}/#security`);
  const card = page.locator('section[aria-labelledby="s-firmware"]');
  await card.locator('table[aria-label="Firmware slots"]').waitFor();
  assert.deepEqual(firmwareRequests, ['GET'], 'one GET when the page opens');

  update({ step: 'downloading', percent: 10 });
  await card.locator('#fw-progress', { hasText: 'Downloading 10%' }).waitFor();
  assert.ok(await card.locator('#fw-cancel').isVisible(), 'Cancel while downloading');
  update({ percent: 42 });
  await card.locator('#fw-progress', { hasText: 'Downloading 42%' }).waitFor();
  // the old card polled every second while an update ran: give it more than that
  await new Promise((r) => setTimeout(r, 2500));
  update({ percent: 57 });
  await card.locator('#fw-progress', { hasText: 'Downloading 57%' }).waitFor();
  assert.deepEqual(firmwareRequests, ['GET'], 'no request while the update runs: the events stream carries it');

  await card.locator('#fw-cancel').click();
  await card.locator('#fw-progress', { hasText: 'Cancelled' }).waitFor();
  await card.locator('#fw-progress', { hasText: 'cancelled in the web UI' }).waitFor();
  assert.deepEqual(cancels, ['cancelled in the web UI']);
  assert.deepEqual(firmwareRequests, ['GET', 'DELETE']);
  assert.equal(await card.locator('#fw-cancel').count(), 0, 'no Cancel once it is over');

  // once RAUC writes the slot the card offers no Cancel
  current = null;
  update({ id: 'u2', step: 'installing', percent: 30, bundleVersion: '2.0' });
  await card.locator('#fw-progress', { hasText: 'Installing into the other slot 30%' }).waitFor();
  assert.equal(await card.locator('#fw-cancel').count(), 0);
  assert.deepEqual(pageErrors, []);
});

it('starts an update from a URL and from an uploaded bundle, each after a confirmation; a refusal shows its reason', async () => {
  // the last update ended: the card's buttons are enabled again
  update({ step: 'failed', percent: undefined, error: 'the bundle was refused' });
  acceptDialogs = true;
  dialogs.length = 0;
  const card = page.locator('section[aria-labelledby="s-firmware"]');
  await card.locator('#fw-progress', { hasText: 'the bundle was refused' }).waitFor();
  await card.locator('#fw-url').fill('https://fw.example.com/dp1-3.0.raucb');
  await card.getByRole('button', { name: 'Update from URL' }).click();
  await page.locator('.toast', { hasText: 'Update started' }).waitFor();
  assert.deepEqual(begun.at(-1), { source: 'ui', url: 'https://fw.example.com/dp1-3.0.raucb' });
  assert.match(dialogs.at(-1) ?? '', /Install the bundle at https:\/\/fw\.example\.com\/dp1-3\.0\.raucb\?/);

  const bundle = Buffer.alloc(256 * 1024, 0x42);
  bundle.write('hsqs', 0);
  await card
    .locator('#fw-file')
    .setInputFiles({ name: 'dp1-3.1.raucb', mimeType: 'application/octet-stream', buffer: bundle });
  await card.getByRole('button', { name: 'Upload and install' }).click();
  await page.locator('.toast', { hasText: 'Bundle uploaded: update started' }).waitFor();
  assert.equal(begun.length, 2);
  assert.equal(begun[1]?.source, 'ui');
  assert.ok(begun[1]?.bytes?.equals(bundle), 'the service got the chosen bytes');
  assert.match(dialogs.at(-1) ?? '', /Install dp1-3\.1\.raucb\?/);

  // declined: nothing starts
  acceptDialogs = false;
  await card.getByRole('button', { name: 'Update from URL' }).click();
  assert.equal(begun.length, 2, 'a declined confirmation starts nothing');
  pageErrors.length = 0; // the declined dialog was recorded there

  // refused by the device: the reason, naming the field, is shown
  acceptDialogs = true;
  await card.locator('#fw-url').fill('ftp://fw.example.com/dp1-3.0.raucb');
  await card.getByRole('button', { name: 'Update from URL' }).click();
  await page.locator('.toast.error', { hasText: 'url: must be an http(s) URL' }).waitFor();
  assert.equal(begun.length, 2);
  assert.deepEqual(pageErrors, []);
});
