// Office texts per language (issue 19) on the visitor pages: an office
// whose first language is Polish shows its Polish kiosk message and
// category names on the kiosk, the display names the calling desk in
// Polish, and the ticket page in Polish names the desk in Polish; each
// state without an accessibility violation. A language without a value
// reads the default text. Managers enter the values in the console's
// configuration, in the control service names per language use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, launchBrowser } from './lib/server.mjs';
import { freshPage, managerAt, tap } from './lib/pages.mjs';
import { assertAccessible } from './lib/axe.mjs';

let server;
let browser;
let manager;
let displayId;

async function ok(res, what) {
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const list = (v) => (Array.isArray(v) ? v : v.items);

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  manager = await server.login('manager');
  // Polish first: the kiosk's start screen and the display read Polish.
  await ok(await server.api(manager, 'PATCH', '/api/v1/branches/1', {
    languages: ['pl', 'en', 'da'],
    kiosk_message: 'Thank you for waiting.',
    kiosk_messages: { pl: 'Dziękujemy za cierpliwość.' },
  }), 'branch texts');
  const services = list(await ok(await server.api(manager, 'GET', '/api/v1/branches/1/services'), 'services'));
  for (const s of services) {
    // The demo's categories: Documents (A, B), Transport (C), Residence (D).
    const pl = { Documents: 'Dokumenty', Residence: 'Zameldowanie' }[s.category];
    if (pl) await ok(await server.api(manager, 'PATCH', `/api/v1/services/${s.id}`, { category_names: { pl } }), `service ${s.code}`);
  }
  await ok(await server.api(manager, 'PATCH', '/api/v1/desks/1', { names: { pl: 'Stanowisko 1' } }), 'desk names');
  const devices = list(await ok(await server.api(manager, 'GET', '/api/v1/branches/1/devices'), 'devices'));
  displayId = devices.find((d) => d.kind === 'display').id;
  await ok(await server.api(manager, 'PATCH', `/api/v1/devices/${displayId}`, { config: { languages: ['pl'], voice: false } }), 'display config');
  await ok(await server.api(manager, 'POST', '/api/v1/desks/1/open'), 'open desk 1');
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('a Polish kiosk shows the Polish kiosk message and categories', async () => {
  const { page, context } = await freshPage(browser, { viewport: { width: 1080, height: 1920 } });
  await page.goto(`${server.base}/kiosk/?token=${server.kioskToken}`);
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  await page.locator('#kiosk-message', { hasText: 'Dziękujemy za cierpliwość.' }).waitFor();
  await assertAccessible(page, 'kiosk start in Polish with its message');

  await tap(page.locator('#languages button[lang="pl"]'));
  await page.locator('#screen-category').waitFor({ state: 'visible' });
  const labels = await page.locator('#categories button .label').allTextContents();
  // Transport has no Polish value: its default text.
  assert.deepEqual([...labels].sort(), ['Dokumenty', 'Transport', 'Zameldowanie']);
  await assertAccessible(page, 'kiosk categories in Polish');

  // English reads the default texts.
  await tap(page.locator('#screen-category [data-action="start"]'));
  await tap(page.locator('#languages button[lang="en"]'));
  await page.locator('#categories button .label', { hasText: 'Documents' }).waitFor();
  await context.close();
});

test('the display and the ticket page name the calling desk in Polish', async () => {
  const issued = await ok(await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: 1, language: 'pl' }), 'issue');

  const display = await freshPage(browser, { viewport: { width: 1920, height: 1080 } });
  await display.page.goto(`${server.base}/display/?token=${server.displayToken}`);
  await display.page.waitForFunction(() => document.getElementById('connection').getAttribute('data-state') === 'live' &&
    document.getElementById('office-name').textContent !== '', null, { timeout: 15000 });
  assert.equal(await display.page.getAttribute('html', 'lang'), 'pl');
  assert.equal(await display.page.textContent('#message'), 'Dziękujemy za cierpliwość.');

  const called = await ok(await server.api(manager, 'POST', '/api/v1/desks/1/call-next'), 'call');
  assert.equal(called.number, issued.number);
  await display.page.waitForFunction((n) => document.getElementById('latest-number').textContent === n, issued.number, { timeout: 10000 });
  assert.equal(await display.page.textContent('#latest-desk'), 'Stanowisko 1');
  await assertAccessible(display.page, 'display calling a desk by its Polish name');
  await display.context.close();

  const ticket = await freshPage(browser, { viewport: { width: 390, height: 844 } });
  await ticket.page.goto(`${server.base}/ticket/?t=${issued.public_token}`);
  await ticket.page.locator('#desk', { hasText: 'Stanowisko 1' }).waitFor();
  assert.equal(await ticket.page.getAttribute('html', 'lang'), 'pl');
  await assertAccessible(ticket.page, 'ticket page in Polish at a desk with a Polish name');
  // In English the page names the desk by its default name.
  await ticket.page.locator('#languages button[lang="en"]').click();
  await ticket.page.locator('#desk', { hasText: 'Desk 1' }).waitFor();
  await ticket.context.close();
});

test('managers enter the texts per language in the configuration', async () => {
  const { page, context } = await freshPage(browser, { viewport: { width: 1400, height: 1000 } });
  await managerAt(page, server.base);
  await page.getByRole('tab', { name: 'Configuration' }).click();
  const messages = page.getByLabel('Kiosk message per language');
  await page.waitForFunction(() => (document.getElementById('b-kiosk-messages') || {}).value === 'pl=Dziękujemy za cierpliwość.');
  await messages.fill('pl=Witamy; da=Velkommen');
  await page.getByRole('button', { name: 'Save branch' }).click();
  await page.locator('#notice', { hasText: 'Branch saved.' }).first().waitFor();

  const desk = page.locator('#desks-body tr[data-id="2"]');
  await desk.getByLabel('Name of Desk 2 per language, for visitors').fill('pl=Stanowisko 2; da=Skranke 2');
  await desk.getByRole('button', { name: 'Save' }).click();
  await page.locator('#notice', { hasText: 'Desk 2 saved.' }).first().waitFor();

  const services = list(await ok(await server.api(manager, 'GET', '/api/v1/branches/1/services'), 'services'));
  const transport = services.find((s) => s.category === 'Transport');
  const row = page.locator(`#services-body tr[data-id="${transport.id}"]`);
  await row.getByLabel(`Category per language of ${transport.code}`).fill('pl=Transport i pojazdy');
  await row.getByRole('button', { name: 'Save' }).click();
  await page.locator('#notice', { hasText: `Service ${transport.code} saved.` }).first().waitFor();
  await assertAccessible(page, 'configuration with texts per language');

  const branch = await ok(await server.api(manager, 'GET', '/api/v1/branches/1'), 'branch');
  assert.deepEqual(branch.kiosk_messages, { da: 'Velkommen', pl: 'Witamy' });
  const desk2 = await ok(await server.api(manager, 'GET', '/api/v1/desks/2'), 'desk 2');
  assert.deepEqual(desk2.names, { da: 'Skranke 2', pl: 'Stanowisko 2' });
  const saved = await ok(await server.api(manager, 'GET', `/api/v1/services/${transport.id}`), 'service');
  assert.deepEqual(saved.category_names, { pl: 'Transport i pojazdy' });

  // A malformed entry is explained and nothing is sent.
  await messages.fill('Witamy');
  await page.getByRole('button', { name: 'Save branch' }).click();
  await page.locator('#alert', { hasText: 'Kiosk message per language: "Witamy" is not lang=name' }).first().waitFor();
  assert.deepEqual((await ok(await server.api(manager, 'GET', '/api/v1/branches/1'), 'branch')).kiosk_messages, { da: 'Velkommen', pl: 'Witamy' });
  assert.deepEqual(page.errors, []);
  await context.close();
});
