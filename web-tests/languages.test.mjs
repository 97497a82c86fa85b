// Ukrainian and Arabic on the visitor pages: an office that offers them
// shows them on the kiosk, the ticket page, the office and booking pages
// and the display, Arabic right to left (dir="rtl" on the page, its layout
// mirrored by logical CSS properties), with no accessibility violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DemoServer, launchBrowser, screenshotDir } from './lib/server.mjs';
import { freshPage, tap } from './lib/pages.mjs';
import { assertAccessible } from './lib/axe.mjs';

let server;
let browser;
let manager;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  manager = await server.login('manager');
  let r = await server.api(manager, 'PATCH', '/api/v1/branches/1', { languages: ['en', 'da', 'pl', 'uk', 'ar'] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await server.api(manager, 'PATCH', '/api/v1/services/1', { remote_enabled: true, appointments_enabled: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

const dirOf = (page) => page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]);

test('kiosk in Ukrainian and in Arabic, right to left', async () => {
  const { page, context } = await freshPage(browser, { viewport: { width: 1080, height: 1920 } });
  await page.goto(`${server.base}/kiosk/?token=${server.kioskToken}`);
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  assert.deepEqual(await page.locator('#languages button .label').allTextContents(), ['English', 'Dansk', 'Polski', 'Українська', 'العربية']);
  await tap(page.locator('#languages button[lang="uk"]'));
  await page.locator('#category-title', { hasText: 'З якого питання ви прийшли?' }).waitFor();
  assert.deepEqual(await dirOf(page), ['uk', 'ltr']);
  await tap(page.locator('#screen-category [data-action="start"]'));
  await tap(page.locator('#languages button[lang="ar"]'));
  await page.locator('#category-title', { hasText: 'ما سبب زيارتك؟' }).waitFor();
  assert.deepEqual(await dirOf(page), ['ar', 'rtl']);
  // Mirrored: the first choice starts at the right edge.
  const box = await page.locator('#categories button').first().boundingBox();
  const back = await page.locator('#screen-category [data-action="start"]').boundingBox();
  assert.ok(back.x + back.width > 1080 - 200, `Back sits on the right: ${JSON.stringify(back)}`);
  assert.ok(box.x + box.width > 1080 - 200, JSON.stringify(box));
  await assertAccessible(page, 'kiosk categories in Arabic');
  await tap(page.locator('#categories button').first());
  await tap(page.locator('#services button').first());
  if (await page.locator('#screen-priority').isVisible()) await tap(page.locator('#priority-no'));
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#ticket-title').textContent(), 'رقمك');
  assert.match(await page.locator('#ticket-ahead').textContent(), /قبلك/);
  await assertAccessible(page, 'kiosk ticket in Arabic');
  // README: the kiosk's ticket in Arabic (docs/kiosk-arabic.png).
  await page.locator('#ticket-qr').evaluate((img) => img.complete || new Promise((r) => { img.onload = r; }));
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, 'kiosk-arabic.png');
  await page.screenshot({ path: file });
  copyFileSync(file, path.resolve(screenshotDir, '..', '..', 'docs', 'kiosk-arabic.png'));
  await context.close();
});

test('ticket, office and booking pages in Arabic are right to left; Ukrainian plurals', async () => {
  const r = await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: 1, language: 'uk' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const { page, context } = await freshPage(browser, { viewport: { width: 390, height: 844 } });
  await page.goto(`${server.base}/ticket/?t=${r.body.public_token}`);
  await page.locator('#number', { hasText: r.body.number }).waitFor();
  await page.locator('#languages button[lang="uk"]').click();
  await page.waitForFunction(() => document.documentElement.lang === 'uk');
  assert.equal(await page.locator('h1, .title').first().textContent() !== '', true);
  await page.locator('#languages button[lang="ar"]').click();
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  await assertAccessible(page, 'ticket page in Arabic');

  await page.goto(`${server.base}/office/?branch=1&lang=ar`);
  await page.locator('#services .service').first().waitFor();
  assert.deepEqual(await dirOf(page), ['ar', 'rtl']);
  assert.equal(await page.locator('h1').textContent(), 'احصل على رقم');
  await assertAccessible(page, 'office page in Arabic');

  await page.goto(`${server.base}/book/?branch=1`);
  await page.locator('#booking').waitFor({ state: 'visible' });
  await page.locator('#languages button[lang="uk"]').click();
  assert.equal(await page.locator('#booking-title').textContent(), 'Записатися на прийом');
  await page.locator('#languages button[lang="ar"]').click();
  assert.deepEqual(await dirOf(page), ['ar', 'rtl']);
  assert.equal(await page.locator('#booking-title').textContent(), 'حجز موعد');
  await assertAccessible(page, 'booking page in Arabic');
  await context.close();
});

test('the display in Arabic is right to left; Ukrainian headers', async () => {
  const devices = (await server.api(manager, 'GET', '/api/v1/branches/1/devices')).body;
  const display = (Array.isArray(devices) ? devices : devices.items).find((d) => d.kind === 'display');
  for (const [lang, dir, header] of [['ar', 'rtl', 'الخدمة'], ['uk', 'ltr', 'Послуга']]) {
    const r = await server.api(manager, 'PATCH', `/api/v1/devices/${display.id}`, { config: { languages: [lang] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const { page, context } = await freshPage(browser, { viewport: { width: 1920, height: 1080 } });
    await page.goto(`${server.base}/display/?token=${server.displayToken}`);
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    await page.locator('#services th', { hasText: header }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dir), dir);
    if (dir === 'rtl') {
      // The clock's corner is mirrored: time on the left.
      const clock = await page.locator('.time').boundingBox();
      assert.ok(clock.x < 960, JSON.stringify(clock));
      await assertAccessible(page, 'display in Arabic');
    }
    await context.close();
  }
});
