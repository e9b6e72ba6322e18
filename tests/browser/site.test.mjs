// www.foobar.com in a real browser: Debian's Chromium, driven by playwright-core.
// Opens the page, posts a message through the form, expects it listed at once
// (no reload), no console errors; saves a screenshot to $ARTIFACTS_DIR.
// With FOOBAR_CA (an https URL), Chromium trusts that CA the way a user would:
// it goes into the NSS store of the browser's own $HOME, and nothing else is
// relaxed, so a certificate the CA did not sign for this name fails the page.
// Usage: FOOBAR_URL=http://127.0.0.1:8080/ ARTIFACTS_DIR=/tmp/artifacts node site.test.mjs
//        FOOBAR_URL=https://127.0.0.1:8443/ FOOBAR_CA=.foobar/tls/ca.pem node site.test.mjs
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const url = process.env.FOOBAR_URL;
const artifacts = process.env.ARTIFACTS_DIR || path.resolve('artifacts');
if (!url) {
  console.error('FOOBAR_URL is not set');
  process.exit(2);
}
fs.mkdirSync(artifacts, { recursive: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'foobar-chromium-'));
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'foobar-home-'));
const shot = path.join(artifacts, url.startsWith('https:') ? 'foobar-home-https.png' : 'foobar-home.png');
if (process.env.FOOBAR_CA) {
  const nssdb = `sql:${path.join(home, '.pki', 'nssdb')}`;
  fs.mkdirSync(path.join(home, '.pki', 'nssdb'), { recursive: true });
  execFileSync('certutil', ['-d', nssdb, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', nssdb, '-A', '-t', 'C,,', '-n', 'foobar local CA', '-i', process.env.FOOBAR_CA]);
}
const failures = [];
const consoleErrors = [];

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run'],
  timeout: 30000,
  env: { ...process.env, HOME: home },
});
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(10000);
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`console: ${msg.text()} (${msg.location().url || 'page'})`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));

  const response = await page.goto(url, { waitUntil: 'networkidle', timeout: 15000 });
  if (!response || response.status() !== 200) failures.push(`GET ${url}: ${response && response.status()}`);

  const marker = `hello from chromium ${Date.now()}`;
  const form = page.locator('form').first();
  const author = form.locator('input[name="author"], input[type="text"], input:not([type])').first();
  const body = form.locator('textarea[name="body"], textarea, input[name="body"]').first();
  await author.fill('browser test');
  await body.fill(marker);
  let navigated = false;
  page.once('framenavigated', (frame) => { if (frame === page.mainFrame()) navigated = true; });
  const posted = page.waitForResponse((r) => r.url().includes('/api/posts') && r.request().method() === 'POST');
  await form.locator('button[type="submit"], input[type="submit"], button').first().click();
  const postResponse = await posted;
  if (postResponse.status() !== 201) failures.push(`POST /api/posts: ${postResponse.status()}`);

  // Listed at once: visible within 3 s, without reloading the page.
  try {
    await page.getByText(marker).first().waitFor({ state: 'visible', timeout: 3000 });
  } catch {
    failures.push('the new post is not listed within 3 s of posting');
  }
  if (navigated) failures.push('posting reloaded the page; it should update in place');

  await page.screenshot({ path: shot, fullPage: true });
  failures.push(...consoleErrors);
} catch (err) {
  failures.push(`error: ${err.message}`);
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`browser test FAILED:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`browser test passed (${url}); screenshot in ${shot}`);
