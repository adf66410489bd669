/**
 * Debian's chromium driven by playwright-core, for the browser tests: started as a browser server
 * so that its PID is known and the process is always killed at the end, even after a failure.
 */
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export type TestBrowser = { browser: Browser; pid: number | undefined; close(): Promise<void> };

export async function launchChromium(): Promise<TestBrowser> {
  // Playwright gives each launch a fresh temporary profile (user data dir) and removes it on close.
  const server = await chromium.launchServer({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const pid = server.process().pid;
  const browser = await chromium.connect(server.wsEndpoint());
  return {
    browser,
    pid,
    async close() {
      await browser.close().catch(() => {});
      await server.close().catch(() => {});
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL'); // still there after close: make sure
        } catch {
          // already gone
        }
      }
    },
  };
}
