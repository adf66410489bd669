/**
 * The web UI in Debian's chromium (playwright-core), against an agent with the sim HAL and its
 * baresip engine, and a real baresip indoor monitor (test/harness). Screenshots of each main page
 * go to test-results/web/. The steps build on each other (setup, then login, ...): one agent,
 * one browser, in order.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { jsonSchema } from '../../agent/config/json-schema.ts';
import { buildUi } from '../../web/build-ui.ts';
import type { SchemaNode } from '../../web/ui/lib/schema.ts';
import { BaresipPeer } from '../harness/baresip-peer.ts';
import { Client, freePort, startAgent, type TestAgent, until } from '../integration/web-support.ts';
import { launchChromium, type TestBrowser } from './lib/browser.ts';

const SHOTS = 'test-results/web';
const PASSWORD = 'door phone admin 1';

/** The settings pages: route, a selector that says it is ready, the titles of sections it must have. */
const MAIN_PAGES: [string, string, string[]][] = [
  [
    'intercom/call-feature',
    '[name="callFeature.autoAnswerSip.delay"]',
    ['Allowed Callers', 'Do Not Disturb', 'Auto Answer'],
  ],
  ['accounts', '[name="accounts.0.user"]', ['Registration status', 'Account 1']],
  ['door', '[name="relays.0.holdTime"]', ['Relays', 'Inputs']],
  ['schedules', '[name="schedules.0.name"]', ['Schedules']],
  ['network', '#autop-export', ['Device', 'Web server', 'Direct IP', 'SIP network', 'Provisioning (autop)']],
  ['actions', '[name="smtp.host"]', ['Action URLs', 'Email (SMTP)', 'FTP']],
  ['security', '#token-name', ['Admin password', 'API tokens', 'System', 'Firmware']],
];

/** Keys of the settings the schema marks as not in effect yet (`planned`), in schema order. */
function plannedKeys(node: SchemaNode, path: string[] = []): string[] {
  if (node.planned) return [path.join('.')];
  return Object.entries(node.properties ?? {}).flatMap(([k, n]) => plannedKeys(n, [...path, k]));
}

let t: TestAgent;
let b: TestBrowser;
let context: BrowserContext;
let page: Page;
let monitor: BaresipPeer | undefined;
let attacker: Server | undefined;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
const portier = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/portier.mjs', ...args, '--data-dir', t.dataDir], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const go = async (hash: string, ready: string) => {
  await page.goto(`${t.base}/#/${hash}`);
  await page.locator(ready).first().waitFor();
};

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  await buildUi({ ifStale: true });
  t = await startAgent({ dev: true });
  b = await launchChromium();
  context = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
});

after(async () => {
  await b?.close();
  await monitor?.stop();
  attacker?.close();
  await t?.stop();
});

describe('web UI', () => {
  it('first-run setup: asks for the one-time code from the log, then the admin password', async () => {
    await page.goto(`${t.base}/`);
    await page.locator('#setup-code').waitFor();
    await shot('setup');
    await page.fill('#setup-code', 'WRONG-CODE');
    await page.fill('#setup-password', PASSWORD);
    await page.fill('#setup-again', PASSWORD);
    await page.click('#setup-submit');
    await page.locator('#e-setup-code', { hasText: 'wrong setup code' }).waitFor();
    await page.fill('#setup-code', t.setupCode());
    await page.click('#setup-submit');
    await page.locator('nav a[data-page="status"][aria-current]').waitFor();
    await page.locator('#live-state[data-state="live"]').waitFor();
  });

  it('logs out and in again', async () => {
    await page.click('#logout');
    await page.locator('#login-password').waitFor();
    await shot('login');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.locator('table.relays').waitFor();
    await shot('status');
  });

  it('Intercom > Basic: a new max call time is saved, persisted and seen by `portier config get`', async () => {
    await go('intercom/basic', '[name="intercom.maxCallTime"]');
    for (const title of [
      'Max Call Time',
      'Max Dial Time',
      'Push Button',
      'Push Button Action',
      'Push To Hang Up',
      'Hang Up After Opening the Door',
      'Multicast',
      'Call Schedule',
      'Web Call',
    ])
      await page.locator('h2', { hasText: new RegExp(`^${title}$`) }).waitFor();
    const field = page.locator('[name="intercom.maxCallTime"]');
    assert.equal(await field.inputValue(), '5');
    assert.match(
      String(await page.locator('[data-field="intercom.maxCallTime"] .help').textContent()),
      /1–120 min, default 5.*Config\.Features\.DOORPHONE\.MaxCallTime/,
    );
    await field.fill('7');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.save-status', { hasText: 'Saved (1 setting)' }).waitFor();
    await page.reload();
    await page.locator('[name="intercom.maxCallTime"]').waitFor();
    assert.equal(await page.locator('[name="intercom.maxCallTime"]').inputValue(), '7');
    assert.equal(portier('config', 'get', 'intercom.maxCallTime').out.trim(), '7');
    await shot('intercom-basic');
  });

  it("an invalid value shows the schema's message next to the field, as the CLI words it, and nothing is saved", async () => {
    const field = page.locator('[name="intercom.maxCallTime"]');
    await field.fill('500');
    await field.press('Tab'); // checked by the API as it is typed
    const error = page.locator('[id="e-intercom.maxCallTime"]');
    await error.waitFor({ state: 'visible' });
    assert.equal(await error.textContent(), 'must be at most 120');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.save-status', { hasText: 'Not saved' }).waitFor();
    assert.equal(await error.textContent(), 'must be at most 120');
    const cli = portier('config', 'set', 'intercom.maxCallTime=500');
    assert.equal(cli.err.trim(), 'intercom.maxCallTime: must be at most 120');
    assert.equal(portier('config', 'get', 'intercom.maxCallTime').out.trim(), '7');
    await shot('intercom-basic-invalid');
    await page.getByRole('button', { name: 'Reset' }).click();
  });

  it('Call Feature: the allowed callers are shown with their autop key, saved, and a bad entry is named', async () => {
    await go('intercom/call-feature', '[name="callFeature.callers.allowList"]');
    const field = page.locator('[name="callFeature.callers.allowList"]');
    assert.equal(await field.inputValue(), '', 'empty out of the box');
    assert.match(
      String(await page.locator('[data-field="callFeature.callers.allowList"] .help').textContent()),
      /Config\.Features\.CALLERS\.AllowList/,
    );
    await field.fill('sip:101@10.0.0.5, 10.0.0.0/33');
    await field.press('Tab'); // checked by the API as it is typed
    const error = page.locator('[id="e-callFeature.callers.allowList"]');
    await error.waitFor({ state: 'visible' });
    assert.match(String(await error.textContent()), /10\.0\.0\.0\/33.*at most 32/);
    await field.fill('sip:101@10.0.0.5, 192.168.1.0/24, fd00::/8');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.save-status', { hasText: 'Saved (1 setting)' }).waitFor();
    assert.deepEqual(t.agent.ctx.config.get().callFeature.callers.allowList, [
      'sip:101@10.0.0.5',
      '192.168.1.0/24',
      'fd00::/8',
    ]);
    await shot('call-feature-callers');
  });

  it('pressing a simulated button shows the input and the relay it opens change live', async () => {
    await go('status', 'button[data-sim="EXIT_BUTTON"]');
    await page.locator('tr[data-relay="1"][data-on="false"]').waitFor();
    await page.click('button[data-sim="EXIT_BUTTON"]');
    await page.locator('tr[data-input="2"][data-active="true"]').waitFor();
    await page.locator('tr[data-relay="1"][data-on="true"]').waitFor();
    await shot('status-exit-button');
    await page.click('button[data-sim="EXIT_BUTTON"]'); // release
    await page.locator('tr[data-input="2"][data-active="false"]').waitFor();
    await page.locator('tr[data-relay="1"][data-on="false"]').waitFor(); // after its hold time
  });

  it('a web call to a baresip monitor appears live on the dashboard, takes DTMF and is hung up', async () => {
    monitor = await BaresipPeer.start({ name: 'monitor', answer: 'manual' });
    await go('status', '#wc-target');
    await page.selectOption('#wc-account', '');
    await page.fill('#wc-target', monitor.directUri);
    await page.click('#wc-dial');
    const row = page.locator('table.calls tr[data-call]');
    await row.waitFor();
    assert.equal(await row.locator('.peer').textContent(), monitor.directUri);
    await monitor.waitFor('CALL_INCOMING');
    await monitor.answer();
    await page.locator('table.calls tr[data-state="established"]').waitFor();
    await page.click('.keypad button[data-digit="5"]');
    await until(() => monitor!.digits() === '5', 'the monitor to get DTMF 5');
    await shot('status-web-call');
    await row.getByRole('button', { name: 'Hang up' }).click();
    await row.waitFor({ state: 'detached' });
    await monitor.waitFor('CALL_CLOSED');
    await page.locator('.calls-wrap', { hasText: 'No call in progress.' }).waitFor();
  });

  it('a caller name containing <script> shows as text, live and in the call log', async () => {
    const evil = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
    await go('status', '.calls-wrap');
    // live: an incoming call as the SIP engine reports it (the display name is untrusted text)
    const call = {
      id: 'xss-1',
      direction: 'incoming' as const,
      account: null,
      peer: 'sip:evil@127.0.0.1',
      peerName: evil,
      state: 'incoming' as const,
      startedAt: Date.now(),
    };
    t.agent.ctx.bus.emit('call.incoming', { call });
    const cell = page.locator('tr[data-call="xss-1"] .peer-name');
    await cell.waitFor();
    assert.equal(await cell.textContent(), evil);
    t.agent.ctx.bus.emit('call.closed', { call: { ...call, state: 'closed' }, end: { reason: 'cancelled by caller' } });
    // persisted: the call log
    await go('logs', 'table.log');
    const logged = page.locator('table[aria-label="Call log"] tr[data-call="xss-1"] .peer-name');
    await logged.waitFor();
    assert.equal(await logged.textContent(), evil);
    assert.equal(await page.locator('table.log img').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await shot('logs');
  });

  it('a cross-site POST is refused, although the browser sends the session cookie', async () => {
    const port = await freePort();
    const target = `${t.base}/api/v1/relays/2/trigger`;
    attacker = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<form id="f" method="POST" action="${target}" enctype="text/plain"><input name='{"a":"' value='"}'></form>` +
          `<script>fetch(${JSON.stringify(target)}, {method:'POST', mode:'no-cors', credentials:'include', body:'{}'}).finally(() => document.getElementById('f').submit())</script>`,
      );
    });
    await new Promise<void>((resolve) => attacker!.listen(port, '127.0.0.1', resolve));
    let triggered = 0;
    const off = t.agent.ctx.bus.on('relay.changed', (e) => {
      if (e.index === 1) triggered++;
    });
    try {
      const evil = await context.newPage();
      await evil.goto(`http://127.0.0.1:${port}/`);
      await evil.waitForURL(target);
      const body = JSON.parse(String(await evil.locator('body').textContent()));
      assert.equal(body.success, false);
      assert.equal(body.error.code, 'csrf_failed', 'the cookie came along (else 401) and the CSRF check refused it');
      await evil.close();
    } finally {
      off();
    }
    assert.equal(triggered, 0);
    const api = new Client(t.base);
    await api.login(PASSWORD);
    assert.equal((await api.get('/api/v1/relays/2')).body.result.on, false);
  });

  it('every main page renders, with its sections (screenshots in test-results/web)', async () => {
    for (const [hash, ready, sections] of MAIN_PAGES) {
      await go(hash, ready);
      for (const title of sections)
        assert.equal(
          await page.locator('h2', { hasText: new RegExp(`^${title.replace(/[()]/g, '\\$&')}$`) }).count(),
          1,
          `${hash} has the section "${title}"`,
        );
      await shot(hash.replace('/', '-'));
    }
    assert.deepEqual(pageErrors, []);
  });

  it('settings not in effect yet are on no page, and stay in the API and autop', async () => {
    const schema = jsonSchema() as SchemaNode;
    const planned = plannedKeys(schema);
    assert.deepEqual(planned, ['identity.timeFormat', 'identity.language', 'cloud.firmwareUrl']);
    for (const [hash, ready] of [['intercom/basic', '[name="intercom.maxCallTime"]'], ...MAIN_PAGES]) {
      await go(hash as string, ready as string);
      for (const key of planned)
        assert.equal(await page.locator(`[data-key="${key}"], [data-field="${key}"]`).count(), 0, `${key} on ${hash}`);
    }
    await go('network', '[name="identity.name"]');
    assert.equal(await page.locator('[name="identity.timeZone"]').count(), 1, 'the settings in effect are shown');
    // the Cloud section holds the cloud settings in effect (the link), and only when there are some
    const cloudInEffect = Object.keys(schema.properties?.cloud?.properties ?? {})
      .map((k) => `cloud.${k}`)
      .filter((k) => !planned.includes(k));
    assert.equal(await page.locator('h2', { hasText: /^Cloud$/ }).count(), cloudInEffect.length ? 1 : 0);
    for (const key of cloudInEffect)
      assert.equal(await page.locator(`[data-field="${key}"]`).count(), 1, `${key} is in effect: shown`);
    // provisioning files keep working: the CLI (as the API) reads and writes them, autop exports them
    assert.equal(portier('config', 'set', 'identity.language=de', 'cloud.firmwareUrl=http://fw.example/').code, 0);
    assert.equal(portier('config', 'get', 'identity.language').out.trim(), 'de');
    const exported = portier('config', 'export').out;
    assert.match(exported, /^Config\.Settings\.LANGUAGE\.WebLang = de$/m);
    assert.match(exported, /^Config\.Firmware\.Url = http:\/\/fw\.example\/$/m);
    // and a save of the Network page leaves them as they are
    await page.fill('[name="identity.location"]', 'Hall');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.save-status', { hasText: 'Saved (1 setting)' }).waitFor();
    assert.equal(portier('config', 'get', 'identity.language').out.trim(), 'de');
    assert.equal(portier('config', 'get', 'cloud.firmwareUrl').out.trim(), 'http://fw.example/');
    assert.deepEqual(pageErrors, []);
  });

  it('10 wrong passwords lock the login, even for the right password', async () => {
    await page.click('#logout');
    await page.locator('#login-password').waitFor();
    for (let i = 1; i <= 10; i++) {
      await page.fill('#login-password', `wrong password ${i}`);
      await page.click('#login-submit');
      await page
        .locator('#login-message', { hasText: i < 10 ? `${10 - i} attempt` : 'too many failed attempts' })
        .waitFor();
    }
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.locator('#login-message', { hasText: /too many failed attempts: try again in \d+ min/ }).waitFor();
    assert.equal(await page.locator('nav').count(), 0);
    await shot('login-locked');
  });
});
