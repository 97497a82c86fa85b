// The public service-standard page (web/standards/) in headless Chromium
// against the real server with the demo office: the organisation page
// lists the office and links to it; the office's page shows its standards,
// waits now, yesterday's figures and the weekday × hour table (with a
// history written into the SQLite file through the sqlite3 shell while
// the server is stopped), withheld cells as "–"; Polish, and Arabic right
// to left; an audit checkpoint only when the answer carries one; axe-core
// on every state; no sideways scrolling at 320 px with text at 200 %; the
// office page's footer links here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, launchBrowser, sqliteShell } from './lib/server.mjs';
import { freshPage } from './lib/pages.mjs';
import { assertAccessible } from './lib/axe.mjs';

let server;
let browser;
let seeded = false;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  const manager = await server.login('manager');
  const r = await server.api(manager, 'PATCH', '/api/v1/branches/1', { languages: ['en', 'da', 'pl', 'uk', 'ar'] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  if (!sqliteShell()) return;
  // Yesterday, the last day the page covers: service 1 has six visitors
  // at each of two hours (waits of 2 to 12 and 20 to 30 minutes) and two
  // at a third; service 2 has three. Five ratings of service 1.
  const perf = await server.api(null, 'GET', '/api/v1/public/branches/1/performance');
  assert.equal(perf.status, 200, JSON.stringify(perf.body));
  const day = perf.body.to;
  const at = (h, m) => Date.parse(`${day}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`);
  const rows = [];
  const visit = (service, h, m, waitMin) => {
    const i = rows.length;
    const issued = at(h, m);
    const called = issued + waitMin * 60000;
    rows.push(`insert into tickets (branch_id, service_id, business_day, number, priority, status, issued_at, queued_at, called_at, started_at, finished_at, call_count, public_token, updated_at)
      values (1, ${service}, '${day}', 'H${String(i).padStart(3, '0')}', 'normal', 'done', ${issued}, ${issued}, ${called}, ${called}, ${called + 300000}, 1, 'history-${i}', ${called + 300000});`);
  };
  for (let i = 0; i < 6; i++) visit(1, 8, i * 5, 2 * (i + 1));
  for (let i = 0; i < 6; i++) visit(1, 11, i * 5, 20 + 2 * i);
  for (let i = 0; i < 2; i++) visit(1, 13, i * 5, 5);
  for (let i = 0; i < 3; i++) visit(2, 9, i * 5, 7);
  for (let i = 1; i <= 5; i++) {
    rows.push(`insert into feedback (ticket_id, branch_id, business_day, service_id, rating, source, created_at)
      select id, 1, '${day}', 1, ${i === 5 ? 3 : 5}, 'ticket_page', updated_at from tickets where number = 'H${String(i).padStart(3, '0')}' and business_day = '${day}';`);
  }
  await server.runSql(rows.join('\n'));
  seeded = true;
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function open(url, viewport = { width: 1024, height: 800 }) {
  const { page, context } = await freshPage(browser, { viewport });
  await page.goto(server.base + url);
  return { page, context };
}

async function officePage(query = '', viewport) {
  const opened = await open(`/standards/?branch=1${query}`, viewport);
  await opened.page.locator('#performance').waitFor({ state: 'visible' });
  return opened;
}

/** Whether the page can scroll sideways, and what sticks out. */
async function sideways(page) {
  return page.evaluate(() => {
    const out = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) out.push(`page ${document.documentElement.scrollWidth} > ${width}`);
    for (const node of document.querySelectorAll('body *')) {
      // A data table scrolls inside its own box (WCAG 1.4.10's exception).
      if (node.closest('.scroll')) continue;
      const r = node.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.right > width + 1 || r.left < -1) out.push(`${node.tagName}#${node.id}.${node.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    return out;
  });
}

test('organisation page lists every office with a link', async () => {
  const { page, context } = await open('/standards/');
  await page.locator('#organisation').waitFor({ state: 'visible' });
  assert.equal(await page.locator('h1').textContent(), 'Our offices');
  const link = page.getByRole('link', { name: 'Demo City Hall' });
  assert.equal(await link.getAttribute('href'), '/standards/?branch=1');
  await assertAccessible(page, 'organisation page');
  await link.click();
  await page.locator('#performance').waitFor({ state: 'visible' });
  assert.equal(await page.locator('h1').textContent(), 'Service standards');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('an office: standards, waits now, figures and the best time to come', async () => {
  const { page, context } = await officePage('&lang=en');
  assert.equal(await page.locator('#office').textContent(), 'Demo City Hall');
  assert.match(await page.locator('#intro').textContent(), /last 28 complete business days/);
  const cards = page.locator('.service-card');
  assert.ok((await cards.count()) >= 2);
  assert.match(await cards.first().textContent(), /Our standard.*called within \d+ min/);
  assert.ok((await page.locator('#now li').count()) >= 2);
  assert.match(await page.locator('#now li').first().textContent(), /waiting: \d+/);
  assert.equal(await page.locator('#audit').isHidden(), true, 'no checkpoint, no section');
  if (seeded) {
    const first = cards.first();
    // 14 visitors; waits 2..12, 20..30 and 5, 5 minutes.
    assert.match(await first.textContent(), /Visitors14/);
    assert.match(await first.textContent(), /Average rating4\.6 of 5 \(5 ratings\)/);
    // Service 2 had three visitors: withheld.
    const second = cards.nth(1);
    assert.match(await second.locator('dd').nth(1).textContent(), /^–withheld: fewer than 5 visitors$/);
    const table = page.locator('table.best-time').first();
    assert.match(await table.locator('caption').textContent(), /median wait and visitors by weekday and hour/);
    assert.ok((await table.locator('thead th[scope="col"]').count()) >= 2);
    assert.ok((await table.locator('tbody th[scope="row"]').count()) >= 3);
    assert.equal(await table.locator('td.withheld').count(), 1);
    assert.equal(await table.locator('td.best').count(), 1);
    assert.match(await table.locator('td.best').textContent(), /6 min6 visitors/);
    assert.match(await page.locator('.best-block .summary').first().textContent(), /Shortest median wait: \w+day at \d\d:00 \(6 min\)/);
    assert.match(await page.locator('#suppressed-note').textContent(), /fewer than 5 visitors/);
  }
  assert.equal(await page.locator('#csv-link').getAttribute('href'), '/api/v1/public/branches/1/performance.csv');
  await assertAccessible(page, 'office standards, English');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('Polish, and Arabic right to left', async () => {
  const { page, context } = await officePage('&lang=pl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'pl');
  assert.equal(await page.locator('h1').textContent(), 'Standardy obsługi');
  assert.equal(await page.locator('#now-heading').textContent(), 'Czas oczekiwania teraz');
  await assertAccessible(page, 'office standards, Polish');
  await page.locator('#languages button[lang="ar"]').click();
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
  assert.equal(await page.locator('h1').textContent(), 'معايير الخدمة');
  await assertAccessible(page, 'office standards, Arabic');
  assert.deepEqual(page.errors, []);
  await context.close();

  const org = await open('/standards/?lang=ar');
  await org.page.locator('#organisation').waitFor({ state: 'visible' });
  assert.equal(await org.page.evaluate(() => document.documentElement.dir), 'rtl');
  assert.equal(await org.page.locator('h1').textContent(), 'مكاتبنا');
  await assertAccessible(org.page, 'organisation page, Arabic');
  await org.context.close();
});

test('the latest signed audit checkpoint, when the figures carry one', async () => {
  const { page, context } = await freshPage(browser, { viewport: { width: 1024, height: 800 } });
  const checkpoint = { seq: 4211, day: '2026-12-06', hash: 'ab'.repeat(32), signature: 'cd'.repeat(64), public_key: 'ef'.repeat(32) };
  await page.route('**/api/v1/public/branches/1/performance', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    await route.fulfill({ response: res, json: { ...body, audit_checkpoint: checkpoint } });
  });
  await page.goto(`${server.base}/standards/?branch=1&lang=en`);
  await page.locator('#audit').waitFor({ state: 'visible' });
  const text = await page.locator('#audit-fields').textContent();
  for (const v of Object.values(checkpoint)) assert.ok(text.includes(String(v)), `${v} shown`);
  assert.match(text, /Public key/);
  await assertAccessible(page, 'office standards with an audit checkpoint');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('unknown office', async () => {
  const { page, context } = await open('/standards/?branch=999');
  await page.locator('#not-found').waitFor({ state: 'visible' });
  await assertAccessible(page, 'unknown office');
  await context.close();
});

test('no sideways scrolling at 320 px with text at 200 %', async () => {
  for (const url of ['/standards/?lang=en', '/standards/?branch=1&lang=en', '/standards/?branch=1&lang=ar']) {
    const { page, context } = await open(url, { width: 320, height: 640 });
    await page.locator('#organisation:not([hidden]), #performance:not([hidden])').waitFor();
    await page.evaluate(() => document.documentElement.style.setProperty('font-size', '200%', 'important'));
    await page.waitForTimeout(100);
    const out = await sideways(page);
    assert.deepEqual(out, [], `${url}: ${out.join('; ')}`);
    await context.close();
  }
});

test('the office page links to its standards', async () => {
  const { page, context } = await open('/office/?branch=1&lang=pl');
  const link = page.locator('#standards-link');
  await page.waitForFunction(() => document.documentElement.lang === 'pl');
  assert.equal(await link.textContent(), 'Nasze standardy obsługi i czasy oczekiwania');
  assert.equal(await link.getAttribute('href'), '/standards/?branch=1&lang=pl');
  await link.click();
  await page.locator('#performance').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'pl');
  await context.close();
});
