// The manager console (/manager/) in headless Chromium against the real
// server with the demo office (desk 1 serves A with weight 5 and B; A–D are
// services 1–4): editing the allocation matrix changes who gets the next
// ticket; the monitor follows a call and marks a breached standard, and
// shows the predicted wait of a ticket taken now; a
// report shows its chart and downloads its CSV; alerts for a printer out
// of paper and an offline display; a 1366×768 screenshot of the monitor
// (docs/monitor.png). Each test gets a fresh server.
import { test, beforeEach, afterEach, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DemoServer, DEMO_PASSWORD, launchBrowser, screenshotDir, sqliteShell } from './lib/server.mjs';

const VIEWPORT = { width: 1366, height: 768 };
const docsDir = path.resolve(screenshotDir, '..', '..', 'docs');
const [A, B, C, D] = [1, 2, 3, 4];

let browser;
let server;
let manager;
let clerk1;
let clerk2;
const contexts = [];

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

beforeEach(async () => {
  server = await DemoServer.start();
  manager = await server.login('manager');
  clerk1 = await server.login('clerk1');
  clerk2 = await server.login('clerk2');
});

afterEach(async () => {
  while (contexts.length) await contexts.pop().close();
  await server?.stop();
});

async function ok(res, what) {
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function issue(serviceId, priority = 'normal') {
  return ok(await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: serviceId, priority }), 'issue');
}

async function desk(token, id, action, body) {
  return ok(await server.api(token, 'POST', `/api/v1/desks/${id}/${action}`, body), `desk ${id} ${action}`);
}

async function devices() {
  const list = await ok(await server.api(manager, 'GET', '/api/v1/branches/1/devices'), 'devices');
  return { kiosk: list.find((d) => d.kind === 'kiosk'), display: list.find((d) => d.kind === 'display') };
}

/** A fresh browser profile, signed in as the manager on the monitor. */
async function managerPage({ clock = false } = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err));
  page.errors = errors;
  if (clock) await page.clock.install();
  await page.goto(server.base + '/manager/');
  await page.locator('#sign-in').getByLabel('User name').fill('manager');
  await page.locator('#sign-in').getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#monitor-services [data-service-id]').first().waitFor();
  await page.locator('#conn[data-status="live"]').waitFor();
  return page;
}

test('sign-in is for managers: a clerk is turned away', async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(server.base + '/manager/');
  await page.locator('#sign-in').getByLabel('User name').fill('clerk1');
  await page.locator('#sign-in').getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#alert', { hasText: 'for managers and admins' }).waitFor();
  assert.equal(await page.locator('#console').isVisible(), false);
});

test('editing the allocation matrix changes who gets the next ticket', async () => {
  const page = await managerPage();
  await page.getByRole('tab', { name: 'Allocation' }).click();
  const cell = (d, s) => page.locator(`#allocation input[data-desk-id="${d}"][data-service-id="${s}"]`);
  await cell(1, A).waitFor();
  // The demo allocation as loaded: desk 1 serves A (5) and B (1).
  assert.equal(await cell(1, A).inputValue(), '5');
  assert.equal(await cell(1, B).inputValue(), '1');
  assert.equal(await cell(1, C).inputValue(), '');
  // Desk 1 now serves only B.
  await cell(1, A).fill('');
  await cell(1, B).fill('2');
  await page.locator('#allocation tr[data-desk-id="1"] button[data-save-desk]').click();
  await page.locator('#notice', { hasText: 'Desk 1 now serves B (2)' }).waitFor();
  const saved = await ok(await server.api(manager, 'GET', '/api/v1/desks/1/services'), 'allocation');
  assert.deepEqual(saved, [{ service_id: B, weight: 2 }]);

  // A is older than B, but desk 1 no longer serves A.
  const a = await issue(A);
  const b = await issue(B);
  await desk(clerk1, 1, 'open');
  const called = await desk(clerk1, 1, 'call-next');
  assert.equal(called.id, b.id);
  assert.equal(called.number, 'B001');
  assert.equal((await ok(await server.api(manager, 'GET', `/api/v1/tickets/${a.id}`), 'ticket')).status, 'waiting');

  // Bad input is refused without saving.
  await cell(2, A).fill('11');
  await page.getByRole('button', { name: 'Save all' }).click();
  await page.locator('#alert', { hasText: '1 to 10' }).waitFor();
  const desk2 = await ok(await server.api(manager, 'GET', '/api/v1/desks/2/services'), 'allocation');
  assert.ok(desk2.some((x) => x.service_id === A && x.weight === 1));
  assert.deepEqual(page.errors, []);
});

test('the monitor follows a call and marks a breached standard', async () => {
  const page = await managerPage({ clock: true });
  const rowA = page.locator('#monitor-services [data-service-id="1"]');
  await issue(A);
  await issue(A);
  await rowA.locator('.waiting', { hasText: '2' }).waitFor();
  assert.equal(await rowA.getAttribute('class'), '');

  await desk(clerk1, 1, 'open');
  await desk(clerk1, 1, 'call-next');
  const row1 = page.locator('#monitor-desks [data-desk-id="1"]');
  await row1.locator('.ticket-number', { hasText: 'A001' }).waitFor();
  assert.match(await row1.textContent(), /open/);
  await row1.locator('.clerk', { hasText: 'clerk1' }).waitFor();
  await rowA.locator('.waiting', { hasText: '1' }).waitFor();
  await page.locator('#monitor-calls li', { hasText: 'A001' }).waitFor();

  // A002 waits past A's 15 min standard: the row and the alerts say so.
  await page.clock.fastForward('16:00');
  await page.locator('#monitor-services tr.breached[data-service-id="1"]').waitFor();
  await page.locator('#monitor-alerts li', { hasText: 'A002 has waited' }).waitFor();
  assert.equal(await page.locator('#monitor-services tr.breached').count(), 1);
});

test('the monitor shows what a ticket taken now is told', async () => {
  const page = await managerPage();
  // No desk is open: no number, as on the display and the kiosk.
  const cell = (service) => page.locator(`#monitor-services [data-service-id="${service}"] .predicted`);
  await cell(A).filter({ hasText: 'No open desk' }).waitFor();
  await issue(A);
  await desk(clerk1, 1, 'open');
  // Desk 1 serves A and B; D stays unserved.
  await cell(A).filter({ hasText: /^\d+–\d+ min$/ }).waitFor();
  await cell(D).filter({ hasText: 'No open desk' }).waitFor();
  const list = await ok(await server.api(manager, 'GET', '/api/v1/branches/1/predictions'), 'predictions');
  const [low, high] = list.find((f) => f.service_id === A).predicted_range_s;
  const lowMin = Math.floor(low / 60);
  const highMin = Math.max(Math.ceil(high / 60), lowMin + 1);
  assert.equal(await cell(A).textContent(), `${lowMin}–${highMin} min`);
  assert.deepEqual(page.errors, []);
});

test('alerts for a printer out of paper or low on paper and an offline display', async () => {
  const { kiosk, display } = await devices();
  const page = await managerPage();
  await page.locator('#monitor-alerts li', { hasText: 'Display Waiting room TV is offline' }).waitFor();
  await ok(await server.api(server.kioskToken, 'POST', `/api/v1/devices/${kiosk.id}/status`, { printer: 'paper_out' }), 'status');
  await ok(await server.api(server.displayToken, 'POST', `/api/v1/devices/${display.id}/status`, { printer: 'ok' }), 'status');
  await page.locator('#monitor-alerts li', { hasText: 'Printer of Entrance kiosk: out of paper' }).waitFor();
  await page.locator('#monitor-alerts li', { hasText: 'Waiting room TV' }).waitFor({ state: 'detached' });
  // A roll near its end is a warning (the printer still prints).
  await ok(await server.api(server.kioskToken, 'POST', `/api/v1/devices/${kiosk.id}/status`, { printer: 'paper_low', detail: 'paper roll near its end' }), 'status');
  await page.locator('#monitor-alerts li.alert-warn', { hasText: 'Printer of Entrance kiosk: paper low (paper roll near its end)' }).waitFor();
  await page.getByRole('tab', { name: 'Configuration' }).click();
  await page.locator(`#devices-body tr[data-id="${kiosk.id}"] .printer-paper_low`, { hasText: 'paper low' }).waitFor();
  await page.getByRole('tab', { name: 'Monitor' }).click();
  await ok(await server.api(server.kioskToken, 'POST', `/api/v1/devices/${kiosk.id}/status`, { printer: 'ok' }), 'status');
  await page.locator('#monitor-alerts li', { hasText: 'All clear.' }).waitFor();
  // The device table shows the same.
  await page.getByRole('tab', { name: 'Configuration' }).click();
  await page.locator(`#devices-body tr[data-id="${kiosk.id}"] .online-true`).waitFor();
});

test('a report shows its chart and downloads its CSV', async () => {
  await issue(A);
  await issue(B);
  await desk(clerk1, 1, 'open');
  await desk(clerk1, 1, 'call-next');
  await desk(clerk1, 1, 'finish');
  const waiting = await issue(C);
  await desk(clerk2, 2, 'open');
  await desk(clerk2, 2, 'call', { ticket_id: waiting.id, reason: 'Interpreter present, "now"' });

  const page = await managerPage();
  await page.getByRole('tab', { name: 'Reports' }).click();
  const chart = page.locator('#report-chart img');
  await chart.waitFor();
  assert.ok(await chart.isVisible());
  const natural = await chart.evaluate((img) => img.complete && img.naturalWidth);
  assert.ok(natural > 0, 'the SVG chart loaded');
  await page.locator('#report-waits-chart img').waitFor();
  await page.locator('#report-kpis dd', { hasText: '3' }).first().waitFor();
  await page.locator('#report-oot td', { hasText: 'Interpreter present' }).waitFor();
  await page.locator('#report-oot-counts', { hasText: 'clerk2' }).waitFor();
  await page.locator('#report-clerks th', { hasText: 'clerk1' }).waitFor();

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#report-csv').click()]);
  assert.match(download.suggestedFilename(), /^waitwell-branch1-.*\.csv$/);
  const text = readFileSync(await download.path(), 'utf8');
  const lines = text.split('\r\n');
  assert.match(lines[0], /^number,service_code,service,priority,status,/);
  assert.equal(lines.filter(Boolean).length, 4, text);
  assert.ok(text.includes('"Interpreter present, ""now"""'), text);
  assert.deepEqual(page.errors, []);
});

test('monitor at 1366×768: no page scrolling; screenshot', async () => {
  const { kiosk, display } = await devices();
  await ok(await server.api(manager, 'POST', '/api/v1/branches/1/users', { username: 'clerk3', password: DEMO_PASSWORD, role: 'clerk' }), 'user');
  const clerk3 = await server.login('clerk3');
  // A morning: a queue in every service, three desks at work, one closed.
  for (const s of [A, A, B, A, C, B, D, A, C, A, B, D, A]) await issue(s);
  await issue(A, 'priority');
  await desk(clerk1, 1, 'open');
  await desk(clerk1, 1, 'call-next');
  await desk(clerk1, 1, 'start');
  await desk(clerk2, 2, 'open');
  await desk(clerk2, 2, 'call-next');
  await desk(clerk3, 3, 'open');
  await desk(clerk3, 3, 'call-next');
  await desk(clerk3, 3, 'finish');
  await desk(clerk3, 3, 'call-next');
  await desk(clerk3, 3, 'start');
  await ok(await server.api(server.kioskToken, 'POST', `/api/v1/devices/${kiosk.id}/status`, { printer: 'paper_out', detail: 'roll empty' }), 'status');
  await ok(await server.api(server.displayToken, 'POST', `/api/v1/devices/${display.id}/status`, { printer: 'ok' }), 'status');

  // Spread the morning over the last 20 minutes, so waits differ: A and D
  // pass their standards. With the sqlite3 shell the stored times move
  // (server stopped meanwhile); without it the browser's clock runs ahead.
  const aged = sqliteShell();
  if (aged) {
    const now = Date.now();
    const min = (m) => now - m * 60000;
    // number: [issued, called, started, finished] in minutes ago
    const times = {
      A001: [19], A002: [17], B001: [16, 2], A003: [14], C001: [13, 11, 10, 4], B002: [12], D001: [11],
      A004: [9], C002: [8, 4, 3], A005: [6], B003: [4], D002: [3], A006: [2], A007: [7, 6, 5],
    };
    const sql = Object.entries(times).map(([number, [i, c, s, f]]) => `update tickets set issued_at = ${min(i)}, queued_at = ${min(i)}`
      + `, called_at = ${c == null ? 'called_at' : min(c)}, started_at = ${s == null ? 'started_at' : min(s)}`
      + `, finished_at = ${f == null ? 'finished_at' : min(f)} where number = '${number}';`).join('\n');
    await server.runSql(sql);
  }
  const page = await managerPage({ clock: !aged });
  if (!aged) {
    await page.clock.fastForward('12:00');
    await page.locator('#conn[data-status="live"]').waitFor();
  }
  await page.locator('#monitor-services tr.breached').first().waitFor();
  await page.locator('#monitor-alerts li', { hasText: 'out of paper' }).waitFor();
  await page.locator('#monitor-desks [data-desk-id="3"] .ticket-number').waitFor();
  await page.locator('#monitor-desks [data-desk-id="3"] .clerk', { hasText: 'clerk3' }).waitFor();
  const scroll = await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
  assert.ok(scroll <= 0, `the monitor scrolls by ${scroll}px at 1366×768`);
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, 'manager-monitor.png');
  await page.screenshot({ path: file });
  mkdirSync(docsDir, { recursive: true });
  copyFileSync(file, path.join(docsDir, 'monitor.png'));
  assert.deepEqual(page.errors, []);
});
