// WCAG 2.2 AA by axe-core on every page and every state a visitor or a
// member of staff meets: the kiosk's screens, the display with and without
// calls, the ticket page waiting and called, the office and booking pages,
// the exit tablet, the clerk console with its dialogs and the manager's
// tabs. Any violation fails with the rule, the element and axe's help.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, launchBrowser } from './lib/server.mjs';
import { freshPage, tap, clerkAt, managerAt, signIn } from './lib/pages.mjs';
import { assertAccessible } from './lib/axe.mjs';

let server;
let browser;
let manager;
let clerk;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  manager = await server.login('manager');
  clerk = await server.login('clerk1');
  const day = [['00:00', '23:59']];
  const hours = { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day };
  let r = await server.api(manager, 'PATCH', '/api/v1/branches/1', { appointments: { opening_hours: hours }, kiosk_message: 'Passports are handed out at desk 1.' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await server.api(manager, 'PATCH', '/api/v1/services/1', { appointments_enabled: true, remote_enabled: true, slot_length_s: 300, walk_in_share: 0 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function issue(serviceId = 1) {
  const r = await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: serviceId });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

test('landing page', async () => {
  const { page, context } = await freshPage(browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(`${server.base}/`);
  await assertAccessible(page, 'landing page');
  await context.close();
});

test('kiosk: every screen, portrait and landscape', async () => {
  for (const viewport of [{ width: 1080, height: 1920 }, { width: 1280, height: 1024 }]) {
    const { page, context } = await freshPage(browser, { viewport });
    const at = (s) => `kiosk ${s} at ${viewport.width}x${viewport.height}`;
    await page.goto(`${server.base}/kiosk/`);
    await page.locator('#screen-setup').waitFor({ state: 'visible' });
    await assertAccessible(page, at('setup'));
    await page.goto(`${server.base}/kiosk/?token=${server.kioskToken}`);
    await page.locator('#screen-start').waitFor({ state: 'visible' });
    await assertAccessible(page, at('start'));
    await tap(page.locator('#appointment-start'));
    await page.locator('#screen-appointment').waitFor({ state: 'visible' });
    await assertAccessible(page, at('appointment'));
    await tap(page.locator('#screen-appointment [data-action="start"]'));
    await tap(page.locator('#languages button[lang="pl"]'));
    await page.locator('#screen-category').waitFor({ state: 'visible' });
    await assertAccessible(page, at('categories'));
    await tap(page.locator('#categories button').first());
    await page.locator('#screen-service').waitFor({ state: 'visible' });
    await assertAccessible(page, at('services'));
    await tap(page.locator('#services button').first());
    await page.locator('#screen-priority').waitFor({ state: 'visible' });
    await assertAccessible(page, at('priority'));
    await tap(page.locator('#priority-no'));
    await page.locator('#screen-ticket').waitFor({ state: 'visible' });
    await page.locator('#ticket-qr').evaluate((img) => img.complete || new Promise((r) => { img.onload = r; }));
    await assertAccessible(page, at('ticket'));
    await tap(page.locator('#ticket-done'));
    await tap(page.locator('#appointment-start'));
    await page.keyboard.type('ZZZZZZZZ');
    await page.keyboard.press('Enter');
    await page.locator('#screen-error').waitFor({ state: 'visible' });
    await assertAccessible(page, at('error'));
    await context.close();
  }
});

test('display: setup, no calls, calls', async () => {
  const { page, context } = await freshPage(browser, { viewport: { width: 1920, height: 1080 } });
  await page.goto(`${server.base}/display/`);
  await page.locator('#setup').waitFor({ state: 'visible' });
  await assertAccessible(page, 'display setup');
  await page.goto(`${server.base}/display/?token=${server.displayToken}`);
  await page.locator('#connection[data-state="live"]').waitFor({ state: 'attached' });
  await assertAccessible(page, 'display without calls');
  const t1 = await issue(1);
  const t2 = await issue(2);
  await server.api(clerk, 'POST', '/api/v1/desks/1/open');
  await server.api(clerk, 'POST', '/api/v1/desks/1/call', { ticket_id: t1.id, reason: 'axe' });
  await server.api(clerk, 'POST', '/api/v1/desks/1/finish');
  await server.api(clerk, 'POST', '/api/v1/desks/1/call', { ticket_id: t2.id, reason: 'axe' });
  await page.locator('#latest-number', { hasText: t2.number }).waitFor();
  // After the highlight's flash: axe reads colours as they stay.
  await page.waitForTimeout(8500);
  await assertAccessible(page, 'display with calls');
  await server.api(clerk, 'POST', '/api/v1/desks/1/finish');
  await context.close();
});

test('ticket page: waiting, called, done with the rating form', async () => {
  const t = await issue(1);
  const { page, context } = await freshPage(browser, { viewport: { width: 390, height: 844 } });
  await page.goto(`${server.base}/ticket/?t=${t.public_token}`);
  await page.locator('#number', { hasText: t.number }).waitFor();
  await assertAccessible(page, 'ticket page waiting');
  await server.api(clerk, 'POST', '/api/v1/desks/1/open');
  await server.api(clerk, 'POST', '/api/v1/desks/1/call', { ticket_id: t.id, reason: 'axe' });
  await page.locator('.called').first().waitFor({ state: 'visible' });
  await assertAccessible(page, 'ticket page called');
  await server.api(clerk, 'POST', '/api/v1/desks/1/finish');
  await page.locator('#rating, #feedback, form').first().waitFor({ state: 'visible' });
  await assertAccessible(page, 'ticket page done');
  await context.close();
});

test('office page and booking page, every step', async () => {
  const { page, context } = await freshPage(browser, { viewport: { width: 390, height: 844 } });
  await page.goto(`${server.base}/office/?branch=1`);
  await page.locator('#services .service').first().waitFor();
  await assertAccessible(page, 'office page');
  await page.goto(`${server.base}/office/?branch=999`);
  await page.locator('#not-found').waitFor({ state: 'visible' });
  await assertAccessible(page, 'office page, unknown office');

  await page.goto(`${server.base}/book/?branch=1`);
  await page.locator('#booking').waitFor({ state: 'visible' });
  await assertAccessible(page, 'booking page');
  await page.locator('#services label').first().click();
  await page.locator('#find').click();
  await page.locator('#times').waitFor({ state: 'visible' });
  await assertAccessible(page, 'booking page, free times');
  await page.locator('#slots button:not([disabled])').first().click();
  await page.locator('#book-form').waitFor({ state: 'visible' });
  await assertAccessible(page, 'booking page, contact form');
  await page.locator('#book').click();
  await page.locator('#confirmation').waitFor({ state: 'visible' });
  await page.locator('#qr').evaluate((img) => img.complete || new Promise((r) => { img.onload = r; }));
  await assertAccessible(page, 'booking confirmation');
  await page.goto(`${server.base}/book/?code=ZZZZZZZZ`);
  await page.locator('#problem').waitFor({ state: 'visible' });
  await assertAccessible(page, 'booking page, unknown code');
  await context.close();
});

test('exit tablet: form, refusal, thanks', async () => {
  const { page, context } = await freshPage(browser, { viewport: { width: 1024, height: 768 } });
  await page.goto(`${server.base}/feedback/?token=${server.kioskToken}`);
  await page.locator('body[data-screen="form"]').waitFor();
  await assertAccessible(page, 'tablet form');
  await page.locator('#number').fill('Z999');
  await page.locator('label[for="rating-3"]').click();
  await page.locator('#feedback button[type="submit"]').click();
  await page.locator('#error').filter({ hasText: /./ }).waitFor();
  await assertAccessible(page, 'tablet refusal');
  await context.close();
});

test('clerk console: sign-in, desk choice, console with a ticket, dialogs', async () => {
  await issue(1);
  await issue(1);
  const { page, context } = await freshPage(browser, { viewport: { width: 1366, height: 768 } });
  await page.goto(`${server.base}/clerk/`);
  await page.getByLabel('User name').waitFor();
  await assertAccessible(page, 'clerk sign-in');
  await signIn(page, server.base, '/clerk/', 'clerk2');
  await page.locator('#desk-select').waitFor();
  await assertAccessible(page, 'clerk desk choice');
  await page.locator('#desk-select').selectOption('2');
  await page.getByRole('button', { name: 'Use this desk' }).click();
  await page.locator('#conn[data-status="live"]').waitFor();
  await assertAccessible(page, 'clerk console, desk closed');
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press('o');
  await page.locator('#desk-state', { hasText: 'Open' }).waitFor();
  await page.keyboard.press('n');
  await page.locator('#current-number', { hasText: /\w/ }).waitFor();
  await page.locator('#queue-body tr').first().waitFor();
  await assertAccessible(page, 'clerk console with a ticket');
  await page.locator('#queue-body button').first().click().catch(() => {});
  for (const id of ['call-dialog', 'transfer-dialog', 'keys-dialog']) {
    await page.evaluate((d) => { for (const o of document.querySelectorAll('dialog[open]')) o.close(); document.getElementById(d).showModal(); }, id);
    await assertAccessible(page, `clerk ${id}`);
  }
  await context.close();
});

test('manager console: every tab', async () => {
  const { page, context } = await freshPage(browser, { viewport: { width: 1366, height: 768 } });
  await page.goto(`${server.base}/manager/`);
  await page.locator('#sign-in').waitFor();
  await assertAccessible(page, 'manager sign-in');
  await managerAt(page, server.base);
  await assertAccessible(page, 'manager monitor');
  for (const [tab, ready] of [['Allocation', '#allocation input'], ['Configuration', '#config-panel input'], ['Reports', '#report-kpis dd'], ['Staffing', '#staffing-table tbody tr'], ['Appointments', '#appointments-panel *']]) {
    await page.getByRole('tab', { name: tab }).click();
    await page.locator(ready).first().waitFor();
    await page.waitForTimeout(500);
    await assertAccessible(page, `manager ${tab}`);
  }
  await context.close();
});
