// The staffing tab's "What if…" in headless Chromium against the demo
// server (desk 1 open, desks 2–4 closed, visitors waiting): a closed desk
// that opens from now is sent as the form says, the answer reads as a
// sentence and as a table per service with an "All services" row, the
// page fits a 320 px screen, change rows are added and removed from the
// keyboard with the focus kept (docs/what-if.png is the answer), a change the server refuses is shown in
// the alert with its row focused, the form and the answer are in Polish
// when the console is, and axe-core finds no violation in these states.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DemoServer, launchBrowser, screenshotDir } from './lib/server.mjs';
import { freshPage, managerAt } from './lib/pages.mjs';
import { assertAccessible } from './lib/axe.mjs';

const WHAT_IF = '/api/v1/branches/1/staffing/what-if';
const docsDir = path.resolve(screenshotDir, '..', '..', 'docs');

let server;
let browser;
let services;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  const manager = await server.login('manager');
  const clerk = await server.login('clerk1');
  const list = (await server.api(manager, 'GET', '/api/v1/branches/1/services')).body;
  services = (Array.isArray(list) ? list : list.items).filter((s) => s.active);
  // Something to simulate: one desk at work, visitors of two services waiting.
  let r = await server.api(clerk, 'POST', '/api/v1/desks/1/open');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  for (const service of [1, 1, 1, 2, 2, 1]) {
    r = await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: service });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** A signed-in manager on the Staffing tab, the desks in the form. */
async function staffingTab(viewport = { width: 1366, height: 900 }) {
  const { page, context } = await freshPage(browser, { viewport });
  await managerAt(page, server.base);
  await page.getByRole('tab', { name: 'Staffing' }).click();
  await page.locator('#staffing-table tbody tr').first().waitFor();
  await page.locator('#what-if-changes option[data-desk-id]').first().waitFor({ state: 'attached' });
  return { page, context };
}

const change = (page, n) => page.getByRole('group', { name: n, exact: true });

/** Submits the form and returns the request body sent and the response. */
async function simulate(page, submit) {
  const isWhatIf = (r) => r.url() === `${server.base}${WHAT_IF}` && r.request().method() === 'POST';
  const [request, response] = await Promise.all([
    page.waitForRequest((r) => r.url() === `${server.base}${WHAT_IF}` && r.method() === 'POST'),
    page.waitForResponse(isWhatIf),
    submit(),
  ]);
  return { sent: JSON.parse(request.postData()), response };
}

const pct = (v) => (v == null ? '–no visitors' : `${Math.round(v * 100)}%`);
const min = (s) => (s == null ? '–no visitors' : `${Math.round(s / 60)} min`);
const visitors = (v) => new Intl.NumberFormat('en', { maximumFractionDigits: 1 }).format(v);

/** A row's cells as the table shows them (hidden words included). */
const cellsOf = (f, g) => [visitors(f.visitors),
  pct(f.share_within), `→ ${pct(g.share_within)}`,
  min(f.longest_wait_s), `→ ${min(g.longest_wait_s)}`,
  visitors(f.not_called), `→ ${visitors(g.not_called)}`];

test('a closed desk opens from now: the request follows the form, the answer is a sentence and a table', async () => {
  const { page, context } = await staffingTab();
  await page.getByRole('heading', { name: 'What if…' }).waitFor();
  // One empty change to start with; it cannot be removed.
  assert.equal(await page.locator('#what-if-changes > li').count(), 1);
  const row = change(page, 'Change 1');
  assert.equal(await row.getByRole('button', { name: /Remove/ }).count(), 0);
  const desk = row.getByLabel('Desk', { exact: true });
  assert.equal(await desk.locator('option[value="1"]').textContent(), 'Desk 1 (open)');
  assert.equal(await desk.locator('option[value="2"]').textContent(), 'Desk 2 (closed)');
  assert.equal(await row.getByLabel('Action').inputValue(), 'open');
  assert.deepEqual(await row.getByLabel('Action').locator('option').allTextContents(), ['opens', 'takes a break']);
  assert.equal(await row.getByLabel('From (empty: now)').getAttribute('type'), 'time');
  assert.equal(await row.getByLabel('To (empty: end of day)').getAttribute('type'), 'time');
  assert.equal(await row.getByRole('group', { name: /Only for these services/ }).getByRole('checkbox').count(), services.length);
  await assertAccessible(page, 'what-if form');

  await desk.selectOption('2');
  const { sent, response } = await simulate(page, () => page.getByRole('button', { name: 'Simulate' }).click());
  assert.deepEqual(sent, { changes: [{ desk_id: 2, action: 'open' }] });
  assert.equal(response.status(), 200);
  const a = await response.json();

  const table = page.locator('#what-if-table');
  await table.locator('tfoot tr').waitFor();
  assert.match(await table.locator('caption').textContent(), new RegExp(a.day));
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), a.services.length);
  assert.equal(a.services.length, services.length);
  for (const [i, s] of a.services.entries()) {
    const r = rows.nth(i);
    assert.equal(await r.getAttribute('data-service-id'), String(s.service_id));
    const name = services.find((x) => x.id === s.service_id).name;
    assert.equal(await r.locator('th[scope="row"]').textContent(), `${s.code} · ${name} (standard ${min(s.standard_wait_s)})`);
    assert.deepEqual(await r.locator('td').allTextContents(), cellsOf(s.baseline, s.scenario));
  }
  const all = table.locator('tfoot tr');
  assert.equal(await all.locator('th[scope="row"]').textContent(), 'All services');
  assert.deepEqual(await all.locator('td').allTextContents(), cellsOf(a.baseline, a.scenario));
  assert.deepEqual(await table.locator('thead th[scope="colgroup"]').allTextContents(), ['Within standard', 'Longest wait', 'Not called today']);

  // The sentence names both figures, with the changes and now.
  const summary = await page.locator('#what-if-summary').textContent();
  assert.ok(a.baseline.share_within != null, JSON.stringify(a.baseline));
  assert.ok(summary.startsWith(`With these changes: ${pct(a.scenario.share_within)} of visitors called within the standard (now ${pct(a.baseline.share_within)}), longest wait ${min(a.scenario.longest_wait_s)} (now ${min(a.baseline.longest_wait_s)}).`), summary);
  const note = await page.locator('#what-if-note').textContent();
  if (a.history_days === 0) assert.match(note, /No forecast yet: only the visitors waiting now are simulated\./);
  else assert.match(note, /Arrivals forecast from \d+ days? with visitors/);
  assert.match(note, new RegExp(`average of ${a.runs} simulated days`));
  await assertAccessible(page, 'what-if answer');
  // The README's picture of it.
  mkdirSync(docsDir, { recursive: true });
  await page.locator('section.what-if').screenshot({ path: path.join(docsDir, 'what-if.png') });

  // 320 px: no page scroll sideways; the table scrolls in its own box.
  await page.setViewportSize({ width: 320, height: 800 });
  await page.waitForTimeout(200);
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth }));
  assert.ok(widths.page <= widths.view, `page is ${widths.page}px wide in a ${widths.view}px view`);
  assert.equal(await table.evaluate((t) => t.parentElement.classList.contains('scroll-x')), true);
  await assertAccessible(page, 'what-if answer at 320 px');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('changes are added and removed from the keyboard, and each is sent as typed', async () => {
  const { page, context } = await staffingTab();
  const first = change(page, 'Change 1');
  await first.getByLabel('Desk', { exact: true }).selectOption('2');
  const tick = first.getByRole('checkbox', { name: `${services[0].code} · ${services[0].name}` });
  await tick.focus();
  await page.keyboard.press('Space');
  assert.equal(await tick.isChecked(), true);

  // "Add a change" with Enter: a second row, the focus on its desk.
  await page.locator('#what-if-add').focus();
  await page.keyboard.press('Enter');
  const second = change(page, 'Change 2');
  await second.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.dataset.field), 'desk');
  assert.equal(await second.getByLabel('Desk', { exact: true }).evaluate((s) => s === document.activeElement), true);
  // Every row can now be removed, each button named with its number.
  await page.getByRole('button', { name: 'Remove change 1' }).waitFor();
  await second.getByLabel('Desk', { exact: true }).selectOption('1');
  await second.getByLabel('Action').selectOption('break');
  // A break serves nothing: no services to choose.
  assert.equal(await second.locator('.what-if-services').isHidden(), true);
  await second.getByLabel('From (empty: now)').fill('23:00');
  await assertAccessible(page, 'what-if form with two changes');

  await page.getByRole('button', { name: 'Simulate' }).focus();
  const { sent, response } = await simulate(page, () => page.keyboard.press('Enter'));
  assert.deepEqual(sent, { changes: [
    { desk_id: 2, action: 'open', service_ids: [services[0].id] },
    { desk_id: 1, action: 'break', from: '23:00' },
  ] });
  // 23:00 is before the demo branch's 03:00 rollover: within today.
  assert.equal(response.status(), 200, await response.text());
  await page.locator('#what-if-table tfoot tr').waitFor();

  // Remove the second with Enter: the first gets the focus, and one
  // change left has no remove button.
  await page.getByRole('button', { name: 'Remove change 2' }).focus();
  await page.keyboard.press('Enter');
  await second.waitFor({ state: 'detached' });
  assert.equal(await page.locator('#what-if-changes > li').count(), 1);
  assert.equal(await first.getByLabel('Desk', { exact: true }).evaluate((s) => s === document.activeElement), true);
  assert.equal(await page.getByRole('button', { name: /Remove change/ }).count(), 0);
  await page.locator('#notice', { hasText: 'Change 2 removed.' }).waitFor();
  // What was typed in the first is still there.
  assert.equal(await first.getByLabel('Desk', { exact: true }).inputValue(), '2');
  assert.equal(await tick.isChecked(), true);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a change the server refuses is said in the alert and its row gets the focus', async () => {
  const { page, context } = await staffingTab();
  const row = change(page, 'Change 1');
  await row.getByLabel('Desk', { exact: true }).selectOption('2');
  await row.getByLabel('From (empty: now)').fill('12:00');
  await row.getByLabel('To (empty: end of day)').fill('11:00');
  const { sent, response } = await simulate(page, () => page.getByRole('button', { name: 'Simulate' }).click());
  assert.deepEqual(sent, { changes: [{ desk_id: 2, action: 'open', from: '12:00', to: '11:00' }] });
  assert.equal(response.status(), 422);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /^Simulating the changes: Change 1: .*end after it starts/);
  // The reason is in the row too, where the focus is, and describes its desk.
  const desk = row.getByLabel('Desk', { exact: true });
  assert.equal(await desk.evaluate((s) => s === document.activeElement), true);
  assert.equal(await page.locator('#what-if-changes > li.invalid').count(), 1);
  const reason = row.locator('.what-if-error');
  assert.match(await reason.textContent(), /end after it starts/);
  assert.equal(await desk.getAttribute('aria-describedby'), await reason.getAttribute('id'));
  assert.equal(await page.locator('#what-if-result').isHidden(), true);
  await assertAccessible(page, 'what-if refused');

  // Mended (no times: from now to the end of the day), it is answered.
  await row.getByLabel('From (empty: now)').fill('');
  await row.getByLabel('To (empty: end of day)').fill('');
  assert.equal(await page.locator('#what-if-changes > li.invalid').count(), 0);
  assert.equal(await reason.count(), 0);
  assert.equal(await desk.getAttribute('aria-describedby'), null);
  const again = await simulate(page, () => page.getByRole('button', { name: 'Simulate' }).click());
  assert.equal(again.response.status(), 200);
  await page.locator('#what-if-table tfoot tr').waitFor();
  assert.equal(await alert.isHidden(), true);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('in Polish: the form, what was typed in it, and the answer', async () => {
  const { page, context } = await staffingTab();
  await change(page, 'Change 1').getByLabel('Desk', { exact: true }).selectOption('2');
  await page.locator('#lang-select').selectOption('pl');
  await page.waitForFunction(() => document.documentElement.lang === 'pl');

  await page.getByRole('heading', { name: 'Co jeśli…' }).waitFor();
  const row = change(page, 'Zmiana 1');
  const desk = row.getByLabel('Stanowisko', { exact: true });
  assert.equal(await desk.inputValue(), '2');
  assert.equal(await desk.locator('option[value="2"]').textContent(), 'Desk 2 (zamknięte)');
  assert.deepEqual(await row.getByLabel('Działanie').locator('option').allTextContents(), ['otwiera się', 'robi przerwę']);
  await row.getByLabel('Od (puste: teraz)').waitFor();
  await row.getByLabel('Do (puste: koniec dnia)').waitFor();
  await page.getByRole('button', { name: 'Dodaj zmianę' }).click();
  await page.getByRole('button', { name: 'Usuń zmianę 2' }).click();
  await page.locator('#notice', { hasText: 'Usunięto zmianę 2.' }).waitFor();

  const { response } = await simulate(page, () => page.getByRole('button', { name: 'Symuluj' }).click());
  const a = await response.json();
  const table = page.locator('#what-if-table');
  await table.locator('tfoot tr').waitFor();
  assert.equal(await table.locator('tfoot th[scope="row"]').textContent(), 'Wszystkie usługi');
  assert.deepEqual(await table.locator('thead th[scope="colgroup"]').allTextContents(), ['W standardzie', 'Najdłuższe oczekiwanie', 'Niewezwani dziś']);
  const summary = await page.locator('#what-if-summary').textContent();
  assert.ok(summary.startsWith(`Ze zmianami: ${pct(a.scenario.share_within)} odwiedzających wezwanych w standardzie (teraz ${pct(a.baseline.share_within)})`), summary);
  if (a.history_days === 0) assert.match(await page.locator('#what-if-note').textContent(), /Brak prognozy/);
  await assertAccessible(page, 'what-if answer in Polish');

  // Back in English, the answer is redrawn without asking again.
  await page.locator('#lang-select').selectOption('en');
  await page.locator('#what-if-summary', { hasText: /^With these changes:/ }).waitFor();
  assert.deepEqual(page.errors, []);
  await context.close();
});
