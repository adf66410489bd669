/**
 * The Auto-provisioning block of the Network & Cloud page in Debian's chromium: its settings are
 * shown, "Run now" runs against a real HTTP server, and the last runs are listed with their
 * problems; what a server sent (here a line whose key is HTML) is shown as text, never as HTML.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright-core';
import { buildUi } from '../../web/build-ui.ts';
import { type FileServer, startFileServer } from '../harness/http-server.ts';
import { Client, startAgent, type TestAgent } from '../integration/web-support.ts';
import { launchChromium, type TestBrowser } from './lib/browser.ts';

let t: TestAgent;
let b: TestBrowser;
let srv: FileServer;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  await buildUi({ ifStale: true });
  srv = await startFileServer();
  t = await startAgent({
    config: {
      identity: { mac: '0C:11:05:00:00:99' },
      cloud: { autopUrl: `${srv.base}/p/`, autopMode: 'repeatedly', autopInterval: 600 },
    },
  });
  const c = new Client(t.base);
  assert.equal((await c.setup(t, 'correct horse battery')).status, 200);
  b = await launchChromium();
  const context = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    pageErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
});
after(async () => {
  await b?.close();
  await t?.stop();
  await srv?.close();
});

it('Run now lists the run; a server-sent key with HTML is shown as text', async () => {
  await page.goto(`${t.base}/`);
  await page.fill('#login-password', 'correct horse battery');
  await page.click('#login-submit');
  await page.locator('nav a[data-page="status"][aria-current]').waitFor();
  await page.goto(`${t.base}/#network`);
  await page.locator('[name="cloud.autopUrl"]').waitFor();
  assert.equal(await page.locator('[name="cloud.autopUrl"]').inputValue(), `${srv.base}/p/`);
  await page.locator('.autop-status', { hasText: `Server: ${srv.base}/p/ (from the setting).` }).waitFor();

  srv.files.set('/p/common.cfg', '<b>Bold</b><i>X</i>.Key = 1\n');
  await page.click('#autop-run');
  const run = page.locator('.autop-runs li.autop-run').first();
  await run.locator('strong', { hasText: 'rejected' }).waitFor();
  await run.locator('li', { hasText: 'common.cfg line 1: <b>Bold</b><i>X</i>.Key: unknown key' }).waitFor();
  assert.equal(await page.locator('.autop-server b, .autop-server i').count(), 0, 'no element made of server text');

  srv.files.set('/p/common.cfg', 'Config.Features.DOORPHONE.MaxCallTime = 13\n');
  await page.click('#autop-run');
  await page.locator('.autop-runs li.autop-run').first().locator('strong', { hasText: 'applied' }).waitFor();
  assert.equal(t.agent.ctx.config.get().intercom.maxCallTime, 13);
  assert.deepEqual(pageErrors, []);
});
