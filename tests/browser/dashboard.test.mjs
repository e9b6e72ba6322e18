// The dashboard in a real browser (Debian's Chromium, playwright-core): it loads
// without console errors, shows every node of the running stack, and when the
// test stops the replica's SQL thread the page shows the thread stopped and the
// ReplicaSqlThreadStopped alert firing. Saves a screenshot to $ARTIFACTS_DIR.
// Usage: DASHBOARD_URL=http://127.0.0.1:18000/dashboard REPLICA_SOCKET=.foobar/db/db-replica1/mysqld.sock \
//        node dashboard.test.mjs
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const url = process.env.DASHBOARD_URL;
const socket = process.env.REPLICA_SOCKET;
const artifacts = process.env.ARTIFACTS_DIR || path.resolve('artifacts');
if (!url || !socket) {
  console.error('DASHBOARD_URL and REPLICA_SOCKET must be set');
  process.exit(2);
}
fs.mkdirSync(artifacts, { recursive: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'foobar-chromium-'));
const shot = path.join(artifacts, 'foobar-dashboard.png');
const failures = [];
const consoleErrors = [];
const sql = (statement) => execFileSync('mariadb', ['--user=root', `--socket=${socket}`, '-e', statement]);

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run'],
  timeout: 30000,
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
  await page.getByText(/^updated /).waitFor({ timeout: 30000 });

  // Every node of the stack: the roles in the node table (Prometheus's targets),
  // the two databases in the replication table.
  for (const node of ['lb', 'web1', 'web2', 'app1', 'app2']) {
    try {
      await page.locator('#nodes td', { hasText: new RegExp(`^${node}$`) }).first().waitFor({ timeout: 30000 });
    } catch { failures.push(`node ${node} not shown`); }
  }
  for (const role of ['primary', 'replica']) {
    try {
      await page.locator('#replication td', { hasText: new RegExp(`^${role}$`) }).first().waitFor({ timeout: 30000 });
    } catch { failures.push(`no ${role} in the replication table`); }
  }
  if (await page.locator('canvas').count() !== 4) failures.push('expected 4 charts');

  // A replica stopped: the page says so, and its alert appears (rules: for 15 s).
  sql('STOP SLAVE SQL_THREAD');
  try {
    try {
      await page.locator('#replication td.bad', { hasText: 'stopped' }).first().waitFor({ timeout: 30000 });
    } catch { failures.push('the stopped SQL thread is not shown'); }
    try {
      await page.locator('#alerts td', { hasText: 'ReplicaSqlThreadStopped' }).first().waitFor({ timeout: 90000 });
    } catch { failures.push('ReplicaSqlThreadStopped is not shown firing within 90 s'); }
    await page.screenshot({ path: shot, fullPage: true });
  } finally {
    sql('START SLAVE SQL_THREAD');
  }
  failures.push(...consoleErrors);
} catch (err) {
  failures.push(`error: ${err.message}`);
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`dashboard test FAILED:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`dashboard test passed (${url}); screenshot in ${shot}`);
