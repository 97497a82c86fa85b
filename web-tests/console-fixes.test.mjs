// The staff consoles where clerks and managers were misled: a failed
// action stays on screen when the list refresh fails too; long service
// names do not squeeze the waiting list; a call back from park is not
// reported as out of turn; the manager's times are the branch's, 24-hour;
// a wide allocation matrix scrolls inside its box, not the whole page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, launchBrowser } from './lib/server.mjs';
import { freshPage, clerkAt, managerAt } from './lib/pages.mjs';
import { assertAccessible } from './lib/axe.mjs';

const VIEWPORT = { viewport: { width: 1366, height: 768 } };
const A = 1;

let server;
let browser;
let manager;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  manager = await server.login('manager');
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function issue(serviceId) {
  const res = await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: serviceId });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function key(page, k) {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.keyboard.press(k);
}

test('clerk: a failed action is still shown after the list refresh fails', async () => {
  await issue(A);
  const { page, context } = await freshPage(browser, VIEWPORT);
  await clerkAt(page, server.base, 'clerk1', 1);
  await key(page, 'o');
  await page.locator('#desk-state', { hasText: 'Open' }).waitFor();
  await key(page, 'n');
  await page.locator('#current-number', { hasText: 'A' }).waitFor();
  // The server refuses the finish, and the list cannot be read either.
  await page.route('**/api/v1/desks/1/finish', (route) => route.fulfill({
    status: 409, contentType: 'application/json', body: JSON.stringify({ error: 'conflict', message: 'Desk 1 has no current ticket' }),
  }));
  await page.route('**/api/v1/branches/1/queue*', (route) => route.fulfill({
    status: 500, contentType: 'application/json', body: JSON.stringify({ error: 'internal', message: 'internal error' }),
  }));
  await key(page, 'f');
  await page.locator('#alert', { hasText: 'Could not load the waiting list' }).waitFor();
  const text = await page.locator('#alert').textContent();
  assert.match(text, /Finish failed: Desk 1 has no current ticket/);
  // Once both work again, a successful action clears its own message.
  await page.unroute('**/api/v1/desks/1/finish');
  await page.unroute('**/api/v1/branches/1/queue*');
  await key(page, 'f');
  await page.locator('#current .none').waitFor();
  await page.waitForFunction(() => !/Finish failed/.test(document.querySelector('#alert').textContent));
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('clerk: a long service name does not squeeze the waiting list', async () => {
  const long = 'Applications for residence permits, work permits and the renewal of expired identity documents';
  let r = await server.api(manager, 'PATCH', `/api/v1/services/${A}`, { name: long });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  for (let i = 0; i < 12; i++) await issue(A);
  const { page, context } = await freshPage(browser, VIEWPORT);
  await clerkAt(page, server.base, 'clerk1', 1);
  await page.locator('#queue-body tr').nth(11).waitFor();
  const fullyVisible = await page.evaluate(() => {
    const box = document.querySelector('#queue-scroll').getBoundingClientRect();
    return Array.from(document.querySelectorAll('#queue-body tr')).filter((row) => {
      const b = row.getBoundingClientRect();
      return b.top >= box.top && b.bottom <= box.bottom + 1;
    }).length;
  });
  assert.ok(fullyVisible >= 6, `${fullyVisible} rows visible`);
  // The full name is still there for those who point at it.
  assert.equal(await page.locator('#queue-body tr .svc').first().getAttribute('title'), await page.locator('#queue-body tr .svc').first().textContent());
  r = await server.api(manager, 'PATCH', `/api/v1/services/${A}`, { name: 'Passports' });
  assert.equal(r.status, 200);
  await context.close();
});

test('clerk: calling back a parked visitor is not out of turn', async () => {
  const { page, context } = await freshPage(browser, VIEWPORT);
  await clerkAt(page, server.base, 'clerk1', 1);
  if (!(await page.locator('#desk-state', { hasText: 'Open' }).isVisible())) await key(page, 'o');
  await page.locator('#desk-state', { hasText: 'Open' }).waitFor();
  // Serve whatever is current so that the desk is free.
  if (await page.locator('#current-number').isVisible()) {
    await key(page, 'f');
    await page.locator('#current .none').waitFor();
  }
  await key(page, 'n');
  const number = (await page.locator('#current-number').textContent()).trim();
  await key(page, 'p');
  await page.locator('#parked-list li').filter({ hasText: number }).waitFor();
  await page.getByRole('button', { name: `Call ${number} back from park` }).click();
  await page.locator('#call-dialog').getByRole('button', { name: 'Call this visitor' }).click();
  await page.locator('#current-number', { hasText: number }).waitFor();
  await page.locator('#notice', { hasText: `Called ${number} back from park.` }).waitFor();
  const stats = await server.api(manager, 'GET', '/api/v1/branches/1/stats');
  assert.equal(stats.body.total.out_of_turn, 0, JSON.stringify(stats.body.total));
  await key(page, 'f');
  await context.close();
});

test('manager: latest calls in the branch time, 24-hour, whatever the browser says', async () => {
  const branch = (await server.api(manager, 'GET', '/api/v1/branches/1')).body;
  // A browser in New York with 12-hour English, the office elsewhere.
  const { page, context } = await freshPage(browser, { ...VIEWPORT, timezoneId: 'America/New_York', locale: 'en-US' });
  await managerAt(page, server.base);
  const t = await issue(A);
  const clerk = await server.login('clerk2');
  await server.api(clerk, 'POST', '/api/v1/desks/2/open');
  const called = await server.api(clerk, 'POST', '/api/v1/desks/2/call', { ticket_id: t.id, reason: 'test of the time format' });
  assert.equal(called.status, 200, JSON.stringify(called.body));
  const expected = new Intl.DateTimeFormat('en-GB', { timeZone: branch.timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(called.body.called_at);
  const times = page.locator('.time');
  await page.waitForFunction((want) => Array.from(document.querySelectorAll('.time')).some((n) => n.textContent === want), expected, { timeout: 10000 });
  for (const text of await times.allTextContents()) assert.doesNotMatch(text, /AM|PM/);
  await server.api(clerk, 'POST', '/api/v1/desks/2/finish');
  await context.close();
});

test('manager: with 12 services the allocation matrix scrolls in its box, the page does not', async () => {
  const list = (await server.api(manager, 'GET', '/api/v1/branches/1/services')).body;
  const existing = Array.isArray(list) ? list : list.items;
  const codes = 'EFGHJKLMNPQR'.split('');
  for (let i = 0; existing.length + i < 12; i++) {
    const r = await server.api(manager, 'POST', '/api/v1/branches/1/services', { code: codes[i], name: `Service with a long name ${i + 1}` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const { page, context } = await freshPage(browser, VIEWPORT);
  await managerAt(page, server.base);
  await page.getByRole('tab', { name: 'Allocation' }).click();
  await page.locator('#allocation-head th').nth(12).waitFor();
  const sizes = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    width: innerWidth,
    box: document.querySelector('#allocation').parentElement.scrollWidth > document.querySelector('#allocation').parentElement.clientWidth,
  }));
  assert.ok(sizes.page <= sizes.width, `the page is ${sizes.page} px wide in ${sizes.width}`);
  assert.ok(sizes.box, 'the matrix box scrolls');
  await context.close();
});

test('clerk console in Polish and Danish: the browser language, then the switch', async () => {
  const { page, context } = await freshPage(browser, { ...VIEWPORT, locale: 'pl-PL' });
  await page.goto(`${server.base}/clerk/`);
  await page.locator('#sign-in-title', { hasText: 'Zaloguj się' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'pl');
  await page.getByLabel('Nazwa użytkownika').fill('clerk1');
  await page.getByLabel('Hasło', { exact: true }).fill('waitwell-demo');
  await page.getByRole('button', { name: 'Zaloguj się' }).click();
  await page.locator('#desk-select').selectOption('1');
  await page.getByRole('button', { name: 'Użyj tego stanowiska' }).click();
  await page.locator('#conn[data-status="live"]', { hasText: 'Na żywo' }).waitFor();
  assert.equal(await page.locator('#queue-title').textContent(), 'Oczekujący na to stanowisko');
  assert.match(await page.locator('#call-next').textContent(), /Wezwij następną osobę/);
  await assertAccessible(page, 'clerk console in Polish');
  // The switch turns everything drawn into Danish, and is remembered.
  await page.locator('#lang-select').selectOption('da');
  assert.match(await page.locator('#call-next').textContent(), /Kald næste/);
  assert.equal(await page.locator('#queue-title').textContent(), 'Venter på denne skranke');
  assert.equal(await page.locator('#conn-text').textContent(), 'Live');
  await page.reload();
  await page.locator('#conn[data-status="live"]').waitFor();
  assert.equal(await page.locator('#queue-title').textContent(), 'Venter på denne skranke');
  assert.deepEqual(page.errors, []);
  await context.close();
});
