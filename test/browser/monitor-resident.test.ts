/**
 * The resident's page of the indoor monitor in Debian's chromium (playwright-core), against two real
 * agents (a door phone and a monitor, real baresip engines on 127.0.0.1) and a real mosquitto: a
 * press at the door rings on the page as "Front door"; Answer, Open (the door's relay A energizes),
 * Hang up; a message sent by the operator tool (`portier fleet message`) appears with an unread
 * badge, is opened, and the operator sees it read (`portier fleet watch`). Screenshots in
 * test-results/monitor/.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { buildUi } from '../../web/build-ui.ts';
import { type Mosquitto, startMosquitto } from '../harness/mosquitto.ts';
import type { Tracked } from '../harness/processes.ts';
import { stopAll } from '../harness/processes.ts';
import { cloudConfig, deviceId, fleet, fleetProcess } from '../integration/cloud-support.ts';
import { type Pair, press, record, sipUri as sipUriOf, startPair } from '../integration/monitor-support.ts';
import { Client, until } from '../integration/web-support.ts';
import { launchChromium, type TestBrowser } from './lib/browser.ts';

const SHOTS = 'test-results/monitor';
const PASSWORD = 'resident screen 1';
const MONITOR = deviceId(0xe7);

let pair: Pair;
let broker: Mosquitto;
let b: TestBrowser;
let context: BrowserContext;
let page: Page;
let watch: Tracked | undefined;
const pageErrors: string[] = [];
const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  await buildUi({ ifStale: true });
  broker = await startMosquitto({ devices: [MONITOR] });
  const cloud = cloudConfig(broker, MONITOR);
  pair = await startPair({
    monitor: { ...cloud, identity: { ...(cloud.identity as object), role: 'indoor-monitor', name: 'Flat 12' } },
  });
  await until(() => pair.monitor.agent.ctx.services.cloud!.status().state === 'online', 'the monitor online', 400);
  const c = new Client(pair.monitor.base);
  assert.equal((await c.setup(pair.monitor, PASSWORD)).status, 200);
  b = await launchChromium();
  // a wall-mounted touch screen
  context = await b.browser.newContext({ viewport: { width: 1024, height: 600 }, hasTouch: true });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  await b?.close();
  await watch?.stop();
  await pair?.stop();
  await broker?.stop();
  await stopAll();
});

describe("the resident's page", { concurrency: 1 }, () => {
  it('opens on the resident page after login: doors, DND, inbox', async () => {
    await page.goto(`${pair.monitor.base}/`);
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.locator('nav a[data-page="resident"][aria-current]').waitFor();
    await page.locator('#live-state[data-state="live"]').waitFor();
    await page.locator('.resident-who[data-state="idle"]').waitFor();
    await page.locator('button[data-door="1"]', { hasText: 'Look: Front door' }).waitFor();
    await page.locator('#unread-badge').waitFor({ state: 'hidden' });
    const answerBox = await page.locator('#resident-dnd').boundingBox();
    assert.ok(answerBox && answerBox.height >= 48, 'touch-sized buttons');
    await shot('idle');
  });

  it('Indoor Monitor settings: the door list, a bad address named next to its field, a good one saved', async () => {
    await page.goto(`${pair.monitor.base}/#/monitor`);
    const field = page.locator('[name="monitor.doors.1.address"]');
    await field.waitFor();
    assert.equal(await page.locator('[name="monitor.doors.0.address"]').inputValue(), sipUriOf(pair.door));
    await page.locator('[name="monitor.doors.1.enabled"]').check();
    await field.fill('back door');
    await field.press('Tab'); // checked by the API as it is typed
    const error = page.locator('[id="e-monitor.doors.1.address"]');
    await error.waitFor({ state: 'visible' });
    assert.match(String(await error.textContent()), /"back door" is not a SIP URI or IP address/);
    await shot('settings-invalid');
    await field.fill('127.0.0.9');
    await page.locator('[name="monitor.doors.1.name"]').fill('Back door');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.save-status', { hasText: /^Saved/ }).waitFor();
    assert.equal(pair.monitor.agent.ctx.config.get().monitor.doors[1]!.address, '127.0.0.9');
    await page.goto(`${pair.monitor.base}/#/resident`);
    await page.locator('button[data-door="2"]', { hasText: 'Look: Back door' }).waitFor();
  });

  it('ring, answer, Open, hang up', async () => {
    const relays = record(pair.door, 'relay.changed');
    const media = record(pair.door, 'call.media');
    await press(pair.door);
    await page.locator('.resident-who[data-state="ringing"]', { hasText: 'Ringing: Front door' }).waitFor();
    await shot('ringing');
    await page.click('#resident-answer');
    await page.locator('.resident-who[data-state="in-call"]', { hasText: 'In call: Front door' }).waitFor();
    await until(() => media[0], 'audio at the door');
    await page.click('button[data-relay="1"]');
    await until(() => relays.find((r) => r.index === 0 && r.on), "the door's relay A energizes");
    await shot('in-call');
    await page.click('#resident-hangup');
    await page.locator('.resident-who[data-state="idle"]').waitFor();
    assert.equal(
      pair.door.agent.ctx.services.doorLog!.page({}).entries[0]?.method,
      'dtmf',
      'the door log has the opening',
    );
  });

  it('a message from the cloud appears with an unread badge; opened, the operator sees it read', async () => {
    watch = fleetProcess(broker, 'watch', MONITOR, '--json');
    await watch.waitForOutput(/^watching /m, 10_000); // printed once subscribed
    const r = await fleet(broker, 'message', MONITOR, '--title', '<b>Parcel</b>', '--text', 'At the door.\nRoom 3.');
    assert.equal(r.code, 0, r.out + r.err);
    await page.locator('#unread-badge', { hasText: '1' }).waitFor({ state: 'visible' });
    const item = page.locator('.resident-messages li.unread');
    assert.match(String(await item.locator('.message-title').textContent()), /<b>Parcel<\/b>/, 'markup shown as text');
    assert.equal(await page.locator('.resident-messages b').count(), 0, 'never rendered as HTML');
    await shot('message-unread');
    await item.locator('.message-title').click();
    await page.locator('.message-text', { hasText: 'At the door.' }).waitFor();
    await page.locator('#unread-badge').waitFor({ state: 'hidden' });
    await watch.waitForOutput(/"type":"message".*"state":"read"/, 10_000);
    await shot('message-read');
    assert.deepEqual(pageErrors, []);
  });
});
