// The kiosk touch page (web/kiosk/) and the visitor's ticket page
// (web/ticket/) in headless Chromium against the real server with the demo
// office: languages, categories, services and the priority question; a
// double tap and a lost response each give one ticket (Idempotency-Key);
// the idle timeout; keyboard operation; the ticket page following a ticket
// until its desk calls it. Screenshots: kiosk-start.png and kiosk-ticket.png
// at 1080×1920 (portrait kiosk); the ticket screen is docs/kiosk.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DemoServer, launchBrowser, screenshotDir } from './lib/server.mjs';

const docsDir = path.resolve(screenshotDir, '..', '..', 'docs');
const VIEWPORT = { width: 1080, height: 1920 };
/** The page drops taps in the first moments of a new screen (the tail of a
 *  double tap); a visitor is never that fast, a test has to wait. */
const TAP_PAUSE_MS = 500;

let server;
let browser;
let manager;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  manager = await server.login('manager');
  // Residence registration (D) without priority, to see the question skipped.
  const r = await server.api(manager, 'PATCH', '/api/v1/services/4', { priority_allowed: false });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function openKiosk(query = '') {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.base}/kiosk/?token=${server.kioskToken}${query}`);
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  return { page, context, errors };
}

async function tap(locator) {
  await locator.page().waitForTimeout(TAP_PAUSE_MS);
  await locator.click();
}

const heading = (page) => page.locator('.screen:not([hidden]) h1');

async function issueVia(page, language, category, service, priority) {
  await tap(page.locator('#languages button', { hasText: language }));
  if (category) await tap(page.locator('#categories button', { hasText: category }));
  await tap(page.locator('#services button', { hasText: service }));
  if (priority) await tap(page.locator(priority === 'yes' ? '#priority-yes' : '#priority-no'));
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  return (await page.locator('#ticket-number').textContent()).trim();
}

test('start screen in the branch languages; language choice changes the texts', async () => {
  const { page, context, errors } = await openKiosk();
  const names = await page.locator('#languages button .label').allTextContents();
  assert.deepEqual(names, ['English', 'Dansk', 'Polski']);
  assert.equal(await page.locator('#office').textContent(), 'Demo City Hall');
  assert.match(await page.locator('#kiosk-message').textContent(), /Thank you for waiting/);
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, 'kiosk-start.png') });

  await tap(page.locator('#languages button', { hasText: 'Polski' }));
  assert.equal(await heading(page).textContent(), 'W jakiej sprawie przychodzisz?');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'pl');
  const documents = page.locator('#categories button', { hasText: 'Documents' });
  assert.match(await documents.textContent(), /Paszporty, Dowody osobiste/);
  await tap(page.locator('#screen-category [data-action="start"]'));
  // Back on the first choice ends the interaction: the start screen is in
  // the branch's first language again.
  assert.equal(await page.locator('#start-title').textContent(), 'Welcome');

  await tap(page.locator('#languages button', { hasText: 'Dansk' }));
  assert.equal(await heading(page).textContent(), 'Hvad kommer du for?');
  await tap(page.locator('#categories button', { hasText: 'Transport' }));
  assert.equal(await heading(page).textContent(), 'Vælg en ydelse');
  assert.deepEqual(await page.locator('#services button .label').allTextContents(), ['Kørekort']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('category, service, priority question, ticket with QR code; screenshot', async () => {
  const { page, context, errors } = await openKiosk();
  await tap(page.locator('#languages button', { hasText: 'English' }));
  await tap(page.locator('#categories button', { hasText: 'Documents' }));
  assert.deepEqual(await page.locator('#services button .label').allTextContents(), ['Passports', 'ID cards']);
  await tap(page.locator('#services button', { hasText: 'Passports' }));
  assert.equal(await heading(page).textContent(), 'Do you need priority assistance?');
  await tap(page.locator('#priority-no'));
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#ticket-number').textContent(), 'A001');
  assert.equal(await page.locator('#ticket-service').textContent(), 'Passports');
  assert.equal(await page.locator('#ticket-ahead').textContent(), 'Nobody is ahead of you');
  // No desk is open yet: no number is promised.
  assert.equal(await page.locator('#ticket-wait').textContent(), 'No desk is serving this queue right now. You keep your place.');
  assert.equal(await page.locator('#ticket-priority').isHidden(), true);
  await page.waitForFunction(() => {
    const img = document.getElementById('ticket-qr');
    return img.complete && img.naturalWidth > 0;
  });
  const url = await page.locator('#ticket-url').textContent();
  assert.match(url, /\/ticket\/\?t=[0-9a-f]{64}$/);
  const file = path.join(screenshotDir, 'kiosk-ticket.png');
  await page.screenshot({ path: file });
  mkdirSync(docsDir, { recursive: true });
  copyFileSync(file, path.join(docsDir, 'kiosk.png'));

  // People ahead and wait are formatted with plurals: a second visitor in Polish.
  await tap(page.locator('#ticket-done'));
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  const number = await issueVia(page, 'Polski', 'Documents', 'Paszporty', 'no');
  assert.equal(number, 'A002');
  assert.equal(await page.locator('#ticket-ahead').textContent(), '1 osoba przed Tobą');
  assert.match(await page.locator('#ticket-wait').textContent(), /^Żadne stanowisko nie obsługuje teraz tej kolejki\./);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the priority question only where the service allows priority', async () => {
  const { page, context } = await openKiosk();
  // D does not allow priority: straight to the ticket.
  assert.equal(await issueVia(page, 'English', 'Residence', 'Residence registration', null), 'D001');
  assert.equal(await page.locator('#ticket-priority').isHidden(), true);
  await tap(page.locator('#ticket-done'));
  // C does: the visitor asks for priority and the ticket says so.
  assert.equal(await issueVia(page, 'English', 'Transport', 'Driving licences', 'yes'), 'C001');
  assert.equal(await page.locator('#ticket-priority').isVisible(), true);
  const { body } = await server.api(manager, 'GET', '/api/v1/branches/1/queue');
  assert.equal(body.waiting.find((e) => e.number === 'C001').priority, 'priority');
  await context.close();
});

test('a double tap issues one ticket', async () => {
  const { page, context } = await openKiosk();
  const posts = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/tickets')) posts.push(r.headers()['idempotency-key']);
  });
  await tap(page.locator('#languages button', { hasText: 'English' }));
  await tap(page.locator('#categories button', { hasText: 'Documents' }));
  await tap(page.locator('#services button', { hasText: 'ID cards' }));
  await page.waitForTimeout(TAP_PAUSE_MS);
  await page.locator('#priority-no').dblclick();
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#ticket-number').textContent(), 'B001');
  assert.ok(posts.length >= 1 && new Set(posts).size === 1, JSON.stringify(posts));
  const next = await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: 2 });
  assert.equal(next.status, 201);
  assert.equal(next.body.number, 'B002', 'the double tap created exactly one ticket');
  await context.close();
});

test('a lost response is retried with the same Idempotency-Key: same ticket', async () => {
  const { page, context } = await openKiosk();
  const keys = [];
  let first = true;
  await page.route('**/api/v1/branches/*/tickets', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (first) {
      first = false;
      // The server issues the ticket, but the answer never arrives.
      await route.fetch();
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  const number = await issueVia(page, 'English', 'Transport', 'Driving licences', 'no');
  assert.equal(number, 'C002');
  assert.equal(keys.length, 2);
  assert.equal(keys[0], keys[1]);
  assert.match(keys[0], /^kiosk-[0-9a-f]{32}$/);
  const next = await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: 3 });
  assert.equal(next.body.number, 'C003', 'the retry did not create a second ticket');

  // A new visitor gets a new key.
  await tap(page.locator('#ticket-done'));
  assert.equal(await issueVia(page, 'English', 'Transport', 'Driving licences', 'no'), 'C004');
  assert.equal(keys.length, 3);
  assert.notEqual(keys[2], keys[0]);
  await context.close();
});

test('idle timeout returns to the start screen in the first language', async () => {
  const { page, context } = await openKiosk('&idle=2');
  await tap(page.locator('#languages button', { hasText: 'Polski' }));
  await tap(page.locator('#categories button', { hasText: 'Documents' }));
  await page.locator('#screen-service').waitFor({ state: 'visible' });
  await page.locator('#screen-start').waitFor({ state: 'visible', timeout: 5000 });
  assert.equal(await page.locator('#start-title').textContent(), 'Welcome');
  // The ticket screen too.
  await issueVia(page, 'English', 'Residence', 'Residence registration', null);
  await page.locator('#screen-start').waitFor({ state: 'visible', timeout: 5000 });
  await context.close();
});

test('no way out: no links, context menu blocked, back button trapped', async () => {
  const { page, context } = await openKiosk();
  assert.equal(await page.locator('a[href]').count(), 0);
  const prevented = await page.evaluate(() => {
    const e = new MouseEvent('contextmenu', { bubbles: true, cancelable: true });
    document.body.dispatchEvent(e);
    return e.defaultPrevented;
  });
  assert.equal(prevented, true);
  await tap(page.locator('#languages button', { hasText: 'English' }));
  await page.goBack({ waitUntil: 'commit' }).catch(() => {});
  await page.waitForTimeout(300);
  assert.match(page.url(), /\/kiosk\/$/);
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  await context.close();
});

test('keyboard only: Tab and Enter take a ticket', async () => {
  const { page, context } = await openKiosk();
  const focused = () => page.evaluate(() => document.activeElement && document.activeElement.textContent.trim());
  await page.keyboard.press('Tab');
  assert.match(await focused(), /^English/);
  await page.keyboard.press('Enter');
  assert.equal(await heading(page).textContent(), 'What have you come for?');
  await page.keyboard.press('Tab');
  assert.match(await focused(), /^Documents/);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.match(await focused(), /Passports/);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.match(await focused(), /No, a regular ticket/);
  await page.keyboard.press('Enter');
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  assert.match(await page.locator('#ticket-number').textContent(), /^A\d{3}$/);
  await context.close();
});

test('the ticket page shows the wait, then the desk that calls', async () => {
  const issued = await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: 1, language: 'pl' });
  assert.equal(issued.status, 201);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/ticket/?t=${issued.body.public_token}`);
  await page.locator('#ticket').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#number').textContent(), issued.body.number);
  assert.equal(await page.locator('#service').textContent(), 'Paszporty');
  assert.equal(await page.locator('#waiting .status').textContent(), 'Oczekiwanie');
  assert.match(await page.locator('#ahead').textContent(), /przed Tobą$/);
  await page.locator('#languages button', { hasText: 'English' }).click();
  await page.waitForFunction(() => document.querySelector('#waiting .status').textContent === 'Waiting');
  assert.match(await page.locator('#ahead').textContent(), /people ahead of you$/);

  // clerk1 opens desk 1 and calls until this ticket comes up.
  const clerk = await server.login('clerk1');
  assert.equal((await server.api(clerk, 'POST', '/api/v1/desks/1/open')).status, 200);
  for (let i = 0; i < 30; i++) {
    const r = await server.api(clerk, 'POST', '/api/v1/desks/1/call-next');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (r.body.id === issued.body.id) break;
    assert.equal((await server.api(clerk, 'POST', '/api/v1/desks/1/no-show')).status, 200);
  }
  await page.locator('#called').waitFor({ state: 'visible', timeout: 8000 });
  assert.equal(await page.locator('#desk').textContent(), 'Desk 1');
  assert.equal(await page.locator('#called-label').textContent(), 'Please go to');
  await page.screenshot({ path: path.join(screenshotDir, 'ticket-called.png') });

  // Unknown tokens say so.
  await page.goto(`${server.base}/ticket/?t=${'0'.repeat(64)}`);
  await page.locator('#not-found').waitFor({ state: 'visible' });
  await context.close();
});
