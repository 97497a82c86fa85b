// The clerk console (/clerk/) in headless Chromium against the real server
// with the demo office: desk 1 serves A (weight 5) and B; desk 2 serves B
// (weight 5), A and D. Each test gets a fresh server, so none depends on
// another's leftovers.
import { test, beforeEach, afterEach, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DemoServer, DEMO_PASSWORD, launchBrowser, screenshotDir } from './lib/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const displayBuilt = existsSync(path.join(root, 'web', 'display', 'index.html'));
const VIEWPORT = { width: 1366, height: 768 };
const A = 1;
const B = 2;

let browser;
let server;
let manager;
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
});

afterEach(async () => {
  while (contexts.length) await contexts.pop().close();
  await server?.stop();
});

async function issue(serviceId, priority = 'normal') {
  const res = await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: serviceId, priority });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function ticket(id) {
  const res = await server.api(manager, 'GET', `/api/v1/tickets/${id}`);
  assert.equal(res.status, 200);
  return res.body;
}

async function desk(id) {
  const res = await server.api(manager, 'GET', `/api/v1/desks/${id}`);
  assert.equal(res.status, 200);
  return res.body;
}

/** A fresh browser profile (own localStorage), i.e. another computer. */
async function newPage() {
  const context = await browser.newContext({ viewport: VIEWPORT });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => {
    throw err;
  });
  return page;
}

async function signIn(page, username) {
  await page.goto(server.base + '/clerk/');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in and picks desk `deskId`; waits until the live state arrived. */
async function clerkAt(username, deskId, page) {
  page = page || (await newPage());
  await signIn(page, username);
  await page.locator('#desk-select').selectOption(String(deskId));
  await page.getByRole('button', { name: 'Use this desk' }).click();
  await page.locator('#console').waitFor();
  await page.locator('#conn[data-status="live"]').waitFor();
  return page;
}

/** Opens the page's desk with the O shortcut and waits until it shows. */
async function openDesk(page) {
  await key(page, 'o');
  await expectText(page.locator('#desk-state'), 'Open');
}

/** Presses a shortcut key with the focus on the page body. */
async function key(page, k) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press(k);
}

const currentNumber = (page) => page.locator('#current-number');
const waitingNumbers = (page) => page.locator('#queue-body tr .number').allTextContents();

async function expectText(locator, text) {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: 10000 });
}

async function waitFor(pred, what) {
  for (let i = 0; i < 200; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('sign in, pick a desk (remembered), open, pause with a reason, close, sign out', async () => {
  const page = await newPage();
  await signIn(page, 'clerk1');
  await page.locator('#pick-desk').waitFor();
  const options = await page.locator('#desk-select option').allTextContents();
  assert.equal(options.length, 4);
  await page.locator('#desk-select').selectOption('3');
  await page.getByRole('button', { name: 'Use this desk' }).click();
  await expectText(page.locator('#desk-title'), 'Desk 3');

  // The token and the desk survive a reload on this computer.
  await page.reload();
  await expectText(page.locator('#desk-title'), 'Desk 3');
  await page.locator('#conn[data-status="live"]').waitFor();

  await page.getByRole('button', { name: /^Open/ }).click();
  await expectText(page.locator('#desk-state'), 'Open');
  assert.equal((await desk(3)).status, 'open');

  // Pausing needs a reason.
  await page.getByRole('button', { name: /^Pause/ }).click();
  const dialog = page.locator('#pause-dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Pause' }).click();
  assert.ok(await dialog.isVisible(), 'an empty reason must not pause the desk');
  await dialog.getByLabel(/Reason/).fill('Lunch');
  await dialog.getByRole('button', { name: 'Pause' }).click();
  await expectText(page.locator('#desk-state'), 'Paused: Lunch');
  const paused = await desk(3);
  assert.equal(paused.status, 'paused');
  assert.equal(paused.pause_reason, 'Lunch');
  // Calling while paused is refused on the page, with the reason.
  await key(page, 'n');
  await expectText(page.locator('#notice'), 'open it first');

  await page.getByRole('button', { name: /^Close/ }).click();
  await expectText(page.locator('#desk-state'), 'Closed');
  assert.equal((await desk(3)).status, 'closed');

  const token = await page.evaluate(() => localStorage.getItem('waitwell.clerk.token'));
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('#sign-in').waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('waitwell.clerk.token')), null);
  assert.equal((await server.api(token, 'GET', '/api/v1/auth/me')).status, 401, 'sign-out ends the session');
  // The desk choice stays with the computer.
  await signIn(page, 'clerk1');
  await expectText(page.locator('#desk-title'), 'Desk 3');
});

test('an expired session goes back to the sign-in form', async () => {
  const page = await clerkAt('clerk1', 1);
  const token = await page.evaluate(() => localStorage.getItem('waitwell.clerk.token'));
  assert.equal((await server.api(token, 'POST', '/api/v1/auth/logout')).status, 204);
  await key(page, 'o');
  await page.locator('#sign-in').waitFor();
  await expectText(page.locator('#alert'), 'sign in again');
});

test('call next: the ticket appears on the clerk page and on the display', async (t) => {
  const a1 = await issue(A);
  await issue(A);
  await issue(B);
  const page = await clerkAt('clerk1', 1);
  await waitFor(async () => (await waitingNumbers(page)).length === 3, 'three waiting');
  assert.deepEqual(await waitingNumbers(page), ['A001', 'A002', 'B001']);
  await key(page, 'o');
  await expectText(page.locator('#desk-state'), 'Open');
  await page.getByRole('button', { name: /Call next/ }).click();
  await expectText(currentNumber(page), 'A001');
  await expectText(page.locator('#current'), 'Called');
  await expectText(page.locator('#notice'), 'Called A001');
  await waitFor(async () => (await waitingNumbers(page)).join() === 'A002,B001', 'A001 to leave the list');
  const called = await ticket(a1.id);
  assert.equal(called.status, 'called');
  assert.equal(called.desk_id, 1);

  if (!displayBuilt) {
    t.skip('web/display/index.html is not built yet; the #latest-number check is pending');
    return;
  }
  const display = await newPage();
  await display.goto(`${server.base}/display/?token=${encodeURIComponent(server.displayToken)}`);
  await expectText(display.locator('#latest-number'), 'A001');
  // A call made while the display watches shows up too.
  await page.getByRole('button', { name: /^Finish/ }).click();
  await page.locator('#current .none').waitFor();
  await key(page, 'n');
  await expectText(currentNumber(page), 'A002');
  await expectText(display.locator('#latest-number'), 'A002');
});

test('the waiting list follows the policy, with marks, reasons and waiting times', async () => {
  await issue(B);
  await issue(A);
  const prio = await issue(A, 'priority');
  const page = await clerkAt('clerk1', 1);
  // Desk 1 prefers A (weight 5); the priority visitor counts 10 min earlier.
  await waitFor(async () => (await waitingNumbers(page)).join() === 'A002,A001,B001', 'policy order');
  const first = page.locator('#queue-body tr').first();
  assert.equal(await first.getAttribute('data-ticket-id'), String(prio.id));
  await expectText(first.locator('.mark'), 'Priority');
  await expectText(first, 'Next');
  const reasons = await page.locator('#queue-body .reason').allTextContents();
  assert.equal(reasons.length, 3);
  for (const r of reasons) assert.ok(r.length > 5, `reason "${r}"`);
  assert.match(reasons[0], /priority/);
  assert.match(await page.locator('#queue-body .waited').first().textContent(), /^\d+:\d\d/);
  // Desk 2 prefers B: its own order.
  const page2 = await clerkAt('clerk2', 2);
  await waitFor(async () => (await waitingNumbers(page2))[0] === 'B001', 'desk 2 order');
});

test('call a specific ticket with a recorded reason; park and call back; finish with an outcome', async () => {
  await issue(A);
  await issue(A);
  const a3 = await issue(A);
  const page = await clerkAt('clerk1', 1);
  await key(page, 'o');
  await waitFor(async () => (await waitingNumbers(page)).length === 3, 'three waiting');
  await page.getByRole('button', { name: 'Call A003 out of turn' }).click();
  const dialog = page.locator('#call-dialog');
  await expectText(dialog, 'recorded');
  // A reason is required.
  await dialog.getByRole('button', { name: 'Call this visitor' }).click();
  assert.ok(await dialog.isVisible(), 'no call without a reason');
  await dialog.getByLabel(/Reason/).fill('visitor with a small child');
  await dialog.getByRole('button', { name: 'Call this visitor' }).click();
  await expectText(currentNumber(page), 'A003');
  await expectText(page.locator('#notice'), 'recorded');
  assert.equal((await ticket(a3.id)).out_of_turn_reason, 'visitor with a small child');

  await key(page, 'p');
  await page.locator('#parked-list li').filter({ hasText: 'A003' }).waitFor();
  await page.locator('#current .none').waitFor();
  assert.equal((await ticket(a3.id)).status, 'parked');
  await page.getByRole('button', { name: 'Call A003 back from park' }).click();
  assert.equal(await dialog.getByLabel(/Reason/).inputValue(), 'return from park');
  await dialog.getByRole('button', { name: 'Call this visitor' }).click();
  await expectText(currentNumber(page), 'A003');
  await page.locator('#parked-empty').waitFor();

  await key(page, 's');
  await expectText(page.locator('#current'), 'Serving');
  await page.getByLabel(/Outcome/).fill('passport handed over');
  await key(page, 'f');
  await page.locator('#current .none').waitFor();
  const done = await ticket(a3.id);
  assert.equal(done.status, 'done');
  assert.equal(done.outcome, 'passport handed over');
  await expectText(page.locator('#fig-served'), '1');
  assert.notEqual(await page.locator('#fig-avg').textContent(), '–');
});

test('transfer to another service keeps the number', async () => {
  const a1 = await issue(A);
  const page = await clerkAt('clerk1', 1);
  await openDesk(page);
  await key(page, 'n');
  await expectText(currentNumber(page), 'A001');
  await key(page, 't');
  const dialog = page.locator('#transfer-dialog');
  await dialog.waitFor();
  const options = await dialog.locator('option').allTextContents();
  assert.ok(!options.some((o) => o.startsWith('A ')), 'cannot transfer to the same service');
  await dialog.getByLabel('To service').selectOption(String(B));
  await dialog.getByRole('button', { name: 'Transfer' }).click();
  await page.locator('#current .none').waitFor();
  await expectText(page.locator('#notice'), 'transferred to B');
  assert.equal((await ticket(a1.id)).status, 'transferred');
  // The visitor waits in B with the same number: desk 2 (B first) sees it next.
  const page2 = await clerkAt('clerk2', 2);
  await waitFor(async () => (await waitingNumbers(page2))[0] === 'A001', 'A001 in the B queue');
  const q = await server.api(manager, 'GET', '/api/v1/branches/1/queue');
  const moved = q.body.waiting.find((w) => w.number === 'A001');
  assert.equal(moved.service_id, B);
});

test('no-show', async () => {
  const a1 = await issue(A);
  await issue(A);
  const page = await clerkAt('clerk1', 1);
  await openDesk(page);
  await key(page, 'n');
  await expectText(currentNumber(page), 'A001');
  await key(page, 'r');
  await expectText(page.locator('#current'), 'called 2 times');
  await page.getByRole('button', { name: /^No-show/ }).click();
  await page.locator('#current .none').waitFor();
  assert.equal((await ticket(a1.id)).status, 'no_show');
  await expectText(page.locator('#fig-noshow'), '1');
  // A visitor being served cannot be a no-show: the page says why.
  await key(page, 'n');
  await expectText(currentNumber(page), 'A002');
  await key(page, 's');
  await expectText(page.locator('#current'), 'Serving');
  await key(page, 'x');
  await expectText(page.locator('#notice'), 'cannot be a no-show');
  assert.equal(await page.getByRole('button', { name: /^No-show/ }).getAttribute('aria-disabled'), 'true');
});

test('two clerks calling at the same moment never get the same ticket', async () => {
  for (let i = 0; i < 8; i++) await issue(A);
  const [p1, p2] = [await clerkAt('clerk1', 1), await clerkAt('clerk2', 2)];
  await key(p1, 'o');
  await key(p2, 'o');
  await expectText(p1.locator('#desk-state'), 'Open');
  await expectText(p2.locator('#desk-state'), 'Open');
  const seen = new Set();
  for (let round = 0; round < 3; round++) {
    await Promise.all([p1.locator('#call-next').click(), p2.locator('#call-next').click()]);
    await currentNumber(p1).waitFor();
    await currentNumber(p2).waitFor();
    const [n1, n2] = [await currentNumber(p1).textContent(), await currentNumber(p2).textContent()];
    assert.notEqual(n1, n2, `round ${round}: both pages show ${n1}`);
    for (const n of [n1, n2]) {
      assert.ok(!seen.has(n), `${n} called twice`);
      seen.add(n);
    }
    await Promise.all([key(p1, 'f'), key(p2, 'f')]);
    await p1.locator('#current .none').waitFor();
    await p2.locator('#current .none').waitFor();
  }
  const done = await server.api(manager, 'GET', '/api/v1/branches/1/stats');
  assert.equal(done.body.total.served, 6);
});

test('conflicts: another desk took the ticket first; a desk staffed by another clerk', async () => {
  await issue(A);
  const a2 = await issue(A);
  const p1 = await clerkAt('clerk1', 1);
  await key(p1, 'o');
  await waitFor(async () => (await waitingNumbers(p1)).length === 2, 'two waiting');
  await p1.getByRole('button', { name: 'Call A002 out of turn' }).click();
  await p1.locator('#call-dialog').getByLabel(/Reason/).fill('appointment confirmed by phone');
  // Meanwhile desk 2 calls the same visitor.
  const clerk2 = await server.login('clerk2');
  assert.equal((await server.api(clerk2, 'POST', '/api/v1/desks/2/open')).status, 200);
  const taken = await server.api(clerk2, 'POST', '/api/v1/desks/2/call', { ticket_id: a2.id, reason: 'at the counter already' });
  assert.equal(taken.status, 200);
  await p1.locator('#call-dialog').getByRole('button', { name: 'Call this visitor' }).click();
  const alert = p1.getByRole('alert');
  await expectText(alert, 'A002 was taken by Desk 2 first');
  await waitFor(async () => (await waitingNumbers(p1)).join() === 'A001', 'the list to resync');
  assert.equal(await p1.locator('#current-number').count(), 0);
  assert.equal((await ticket(a2.id)).desk_id, 2);

  // clerk2 picks desk 1, which clerk1 staffs: warned, and refused.
  const p2 = await clerkAt('clerk2', 1);
  await expectText(p2.locator('#desk-warning'), 'Another clerk');
  await key(p2, 'n');
  await expectText(p2.getByRole('alert'), 'staffed by another clerk');
  assert.equal((await desk(1)).current_ticket_id, null);
});

test('every action has a shortcut listed on the page; typing in a field is not a shortcut', async () => {
  await issue(A);
  const page = await clerkAt('clerk1', 1);
  const listed = await page.locator('#keys-inline kbd').allTextContents();
  assert.deepEqual(listed, ['N', 'R', 'S', 'F', 'X', 'T', 'P', 'O', 'Z', 'C', '?']);
  for (const action of ['call-next', 'recall', 'start', 'finish', 'no-show', 'transfer', 'park', 'open', 'pause', 'close']) {
    const button = page.locator(`#console button[data-action="${action}"]`);
    assert.ok(await button.getAttribute('aria-keyshortcuts'), `${action} has aria-keyshortcuts`);
  }
  await key(page, '?');
  const keys = page.locator('#keys-dialog');
  await keys.waitFor();
  assert.equal(await keys.locator('kbd').count(), 11);
  await page.keyboard.press('Escape');
  await keys.waitFor({ state: 'hidden' });

  await key(page, 'o');
  await expectText(page.locator('#desk-state'), 'Open');
  // "n" typed into the outcome field is text, not a call.
  await page.getByLabel(/Outcome/).fill('');
  await page.getByLabel(/Outcome/).press('n');
  assert.equal(await page.getByLabel(/Outcome/).inputValue(), 'n');
  await page.waitForTimeout(300);
  assert.equal(await page.locator('#current-number').count(), 0);
  await page.getByLabel(/Outcome/).fill('');

  await key(page, 'n');
  await expectText(currentNumber(page), 'A001');
  await key(page, 's');
  await expectText(page.locator('#current'), 'Serving');
  await key(page, 'f');
  await page.locator('#current .none').waitFor();
  await key(page, 'z');
  await page.locator('#pause-dialog').waitFor();
  await page.locator('#pause-reason').fill('Break');
  await page.keyboard.press('Enter');
  await expectText(page.locator('#desk-state'), 'Paused: Break');
  await key(page, 'c');
  await expectText(page.locator('#desk-state'), 'Closed');
});

test('layout at 1366×768: no page scrolling, labelled buttons; screenshot', async () => {
  // A realistic morning: desk 1 has served a few visitors, one is at the
  // desk, and a queue is waiting.
  const clerk1 = await server.login('clerk1');
  const post = async (p, body) => {
    const res = await server.api(clerk1, 'POST', p, body);
    assert.ok(res.status < 300, `${p}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  for (let i = 0; i < 3; i++) await issue(A);
  await post('/api/v1/desks/1/open');
  for (let i = 0; i < 3; i++) {
    await post('/api/v1/desks/1/call-next');
    await post('/api/v1/desks/1/start');
    await post('/api/v1/desks/1/finish', { outcome: 'done' });
  }
  for (const [service, priority] of [[A, 'normal'], [B, 'normal'], [A, 'normal'], [A, 'priority'], [B, 'normal'], [A, 'normal'], [A, 'appointment'], [B, 'normal']]) {
    await issue(service, priority);
  }
  await post('/api/v1/desks/1/call-next');
  await post('/api/v1/desks/1/park');
  await post('/api/v1/desks/1/call-next');
  await post('/api/v1/desks/1/start');
  await issue(B, 'priority');

  const page = await clerkAt('clerk1', 1);
  await currentNumber(page).waitFor();
  await waitFor(async () => (await waitingNumbers(page)).length === 7, 'seven waiting');
  await expectText(page.locator('#fig-served'), '3');
  const overflow = await page.evaluate(() => ({
    height: document.documentElement.scrollHeight,
    width: document.documentElement.scrollWidth,
  }));
  assert.ok(overflow.height <= VIEWPORT.height, `page scrolls vertically: ${overflow.height}`);
  assert.ok(overflow.width <= VIEWPORT.width, `page scrolls horizontally: ${overflow.width}`);
  // Every button has a name; action buttons are large enough to hit.
  const buttons = await page.locator('button:visible').evaluateAll((bs) => bs.map((b) => ({
    name: (b.getAttribute('aria-label') || b.textContent).trim(),
    height: b.getBoundingClientRect().height,
    action: b.dataset.action || null,
  })));
  for (const b of buttons) {
    assert.ok(b.name, 'a button without a name');
    if (b.action) assert.ok(b.height >= 44, `${b.action} is ${b.height}px tall`);
  }
  await page.mouse.move(0, 0);
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, 'clerk.png');
  await page.screenshot({ path: file });
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  copyFileSync(file, path.join(root, 'docs', 'clerk.png'));
});
