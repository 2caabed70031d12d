#!/usr/bin/env node
// The BROWSER command of entratool's browser sign-in tests. entratool runs it with the authorize
// URL as the last argument; it opens the URL in Debian's chromium, headless, through
// playwright-core, completes oidc-provider's devInteractions pages (sign in as any user, then
// consent) and waits until the redirect has reached entratool's loopback listener.
//
// Environment:
//   ENTRATOOL_TEST_BROWSER      consent (default) | deny (sign in, then cancel the consent)
//   ENTRATOOL_TEST_BROWSER_LOG  file that receives one JSON line per event (pid, steps, outcome)
//   CHROMIUM                    the browser binary (default /usr/bin/chromium)
// Bounded: gives up after 60 s, and always closes the browser and removes its profile folder.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const url = process.argv[process.argv.length - 1];
const action = process.env.ENTRATOOL_TEST_BROWSER || 'consent';
const logFile = process.env.ENTRATOOL_TEST_BROWSER_LOG;
const kLimitMs = 60000;

function log(event) {
  const line = `${JSON.stringify({ pid: process.pid, time: Date.now(), ...event })}\n`;
  if (logFile) fs.appendFileSync(logFile, line);
}

async function main() {
  const redirect = new URL(url).searchParams.get('redirect_uri');
  if (!redirect) throw new Error('the URL has no redirect_uri');
  const callback = new URL(redirect);
  const reachedListener = (u) => {
    try {
      const x = new URL(u);
      return x.origin === callback.origin && x.pathname === callback.pathname;
    } catch {
      return false;
    }
  };

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'entratool-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(20000);
    await page.goto(url);
    for (let step = 0; step < 10; step += 1) {
      await page.waitForLoadState('load');
      const here = page.url();
      if (reachedListener(here)) {
        log({ event: 'redirected', url: here, title: await page.title(), text: await page.textContent('body') });
        return;
      }
      if (await page.locator('input[name="login"]').count()) {
        log({ event: 'login', step });
        await page.fill('input[name="login"]', 'alice');
        await page.fill('input[name="password"]', 'any password');
        await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
      } else if (await page.locator('input[name="prompt"][value="consent"]').count()) {
        if (action === 'deny') {
          log({ event: 'deny', step });
          await Promise.all([page.waitForNavigation(), page.click('a[href*="/abort"]')]);
        } else {
          log({ event: 'consent', step });
          await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
        }
      } else {
        log({ event: 'unexpected page', url: here, text: (await page.textContent('body') || '').slice(0, 500) });
        throw new Error(`unexpected page ${here}`);
      }
    }
    throw new Error('too many steps before the redirect');
  } finally {
    if (context) await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

const timer = setTimeout(() => {
  log({ event: 'exit', status: 'timeout' });
  process.exit(2);
}, kLimitMs);

log({ event: 'start', action });
main().then(() => {
  clearTimeout(timer);
  log({ event: 'exit', status: 'ok' });
  process.exit(0);
}, (err) => {
  clearTimeout(timer);
  log({ event: 'exit', status: 'error', message: String(err && err.message || err) });
  process.exit(1);
});
