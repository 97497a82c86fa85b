// The office's public page (web/office/) in headless Chromium against the
// real server with the demo office: a visitor takes a remote ticket with a
// phone number and lands on the ticket page; a service whose daily cap of
// remote tickets is used up is shown as full and refused with the reason;
// a bad phone number is explained and issues nothing; the page follows the
// office's languages; a manager switches remote tickets on in the manager
// console's configuration. Screenshot: office.png (phone size).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEMO_PASSWORD, DemoServer, launchBrowser, screenshotDir } from './lib/server.mjs';

const VIEWPORT = { width: 390, height: 844 };

let server;
let browser;
let manager;
let branchId;
let services;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  manager = await server.login('manager');
  const me = await server.api(manager, 'GET', '/api/v1/auth/me');
  branchId = me.body.user.branch_id;
  const list = await server.api(manager, 'GET', `/api/v1/branches/${branchId}/services`);
  services = list.body.items || list.body;
  // Passports take remote tickets freely; ID cards at most one a day.
  let r = await server.api(manager, 'PATCH', `/api/v1/services/${services[0].id}`, { remote_enabled: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await server.api(manager, 'PATCH', `/api/v1/services/${services[1].id}`, { remote_enabled: true, remote_daily_cap: 1 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function openOffice(query = '') {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.base}/office/?branch=${branchId}${query}`);
  await page.locator('#take').waitFor({ state: 'visible' });
  return { page, context, errors };
}

const option = (page, code) => page.locator('.service', { hasText: `${code} ·` });

test('take a remote ticket and land on the ticket page', async () => {
  const { page, context, errors } = await openOffice();
  assert.equal(await page.locator('#office').textContent(), 'Demo City Hall');
  assert.equal(await page.locator('.service').count(), 2, 'only services open for remote tickets');
  assert.match(await option(page, services[0].code).textContent(), /Passports/);
  await option(page, services[0].code).click();
  await page.locator('#phone').fill('+45 20 30 40 50');
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, 'office.png'), fullPage: true });
  await page.getByRole('button', { name: 'Take a ticket' }).click();
  await page.waitForURL(/\/ticket\/\?t=[0-9a-f]+$/);
  await page.locator('#ticket').waitFor({ state: 'visible' });
  assert.match(await page.locator('#number').textContent(), new RegExp(`^${services[0].code}\\d{3}$`));
  // The queue has it, as a waiting ticket.
  const queue = await server.api(manager, 'GET', `/api/v1/branches/${branchId}/queue`);
  assert.equal(queue.status, 200);
  assert.match(JSON.stringify(queue.body), new RegExp(await page.locator('#number').textContent()));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a bad phone number is explained and issues nothing', async () => {
  const before = await server.api(manager, 'GET', `/api/v1/branches/${branchId}/queue`);
  const { page, context, errors } = await openOffice();
  await option(page, services[0].code).click();
  await page.locator('#phone').fill('call me maybe');
  await page.getByRole('button', { name: 'Take a ticket' }).click();
  await page.locator('#error').waitFor({ state: 'visible' });
  assert.match(await page.locator('#error').textContent(), /No ticket was issued\. phone/);
  assert.match(page.url(), /\/office\//);
  const after = await server.api(manager, 'GET', `/api/v1/branches/${branchId}/queue`);
  const ids = (q) => q.body.waiting.map((t) => t.ticket_id);
  assert.deepEqual(ids(after), ids(before));
  assert.deepEqual(errors, []);
  await context.close();
});

test('the daily cap reached: refused with the reason, then shown as full', async () => {
  const { page, context, errors } = await openOffice('&lang=pl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'pl');
  assert.equal(await page.locator('h1').textContent(), 'Pobierz bilet');
  const idCards = option(page, services[1].code);
  assert.equal(await idCards.locator('input').isDisabled(), false);
  await idCards.click();
  // Someone else takes the day's only remote ticket meanwhile.
  const other = await server.api(null, 'POST', `/api/v1/public/branches/${branchId}/tickets`, { service_id: services[1].id });
  assert.equal(other.status, 201, JSON.stringify(other.body));
  await page.getByRole('button', { name: 'Pobierz bilet' }).click();
  await page.locator('#error').waitFor({ state: 'visible' });
  assert.match(await page.locator('#error').textContent(), /Bilet nie został wydany\. .*1 remote tickets/);
  await page.locator('.service:has(input:disabled)').waitFor();
  assert.match(await idCards.textContent(), /chwilowo brak miejsc/);
  assert.equal(await idCards.locator('input').isDisabled(), true);
  assert.match(page.url(), /\/office\//);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an unknown office says so', async () => {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(`${server.base}/office/?branch=999999`);
  await page.locator('#not-found').waitFor({ state: 'visible' });
  await context.close();
});

test('a manager switches remote tickets on in the configuration', async () => {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.base}/manager/`);
  await page.locator('#sign-in').getByLabel('User name').fill('manager');
  await page.locator('#sign-in').getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#tab-config').click();
  const code = services[2].code;
  const remote = page.getByLabel(`Remote tickets for ${code}`);
  await remote.waitFor();
  assert.equal(await remote.isChecked(), false);
  assert.equal(await page.getByLabel(`Remote tickets for ${services[1].code}`).isChecked(), true);
  assert.equal(await page.getByLabel(`Remote tickets per day for ${services[1].code}`).inputValue(), '1');
  await remote.check();
  // Switching on proposes the protective defaults; the manager may change them.
  assert.equal(await page.getByLabel(`Remote tickets per day for ${code}`).inputValue(), '50');
  assert.equal(await page.getByLabel(`Share kept for walk-ins for ${code}, percent`).inputValue(), '30');
  await page.getByLabel(`Remote tickets per day for ${code}`).fill('40');
  await page.getByLabel(`Share kept for walk-ins for ${code}, percent`).fill('25');
  await page.locator(`#services-body tr[data-id="${services[2].id}"] button`, { hasText: 'Save' }).click();
  await page.getByText(`Service ${code} saved.`).waitFor();
  const saved = await server.api(manager, 'GET', `/api/v1/services/${services[2].id}`);
  assert.equal(saved.body.remote_enabled, true);
  assert.equal(saved.body.remote_daily_cap, 40);
  assert.equal(saved.body.remote_walk_in_share, 25);
  // Emptying the cap removes it.
  await page.getByLabel(`Remote tickets per day for ${code}`).fill('');
  await page.locator(`#services-body tr[data-id="${services[2].id}"] button`, { hasText: 'Save' }).click();
  await page.getByText(`Service ${code} saved.`).first().waitFor();
  await expectCap(services[2].id, null);
  // The office page now offers it.
  const office = await openOffice();
  assert.equal(await office.page.locator('.service').count(), 3);
  assert.deepEqual(errors, []);
  assert.deepEqual(office.errors, []);
  await office.context.close();
  await context.close();
});

async function expectCap(id, cap) {
  for (let i = 0; i < 50; i++) {
    const s = await server.api(manager, 'GET', `/api/v1/services/${id}`);
    if (s.body.remote_daily_cap === cap) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the cap of service ${id} did not become ${cap}`);
}
