// The kiosk where visitors got stuck: the code screen on portrait and
// landscape screens, "Try again" after a failed check-in and after a
// refused ticket, server refusals in the visitor's language, the language
// chosen before a check-in, the out-of-order notice while the server does
// not answer, many categories on one screen, and zoom locked without a
// viewport that forbids it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, launchBrowser } from './lib/server.mjs';
import { freshPage, tap } from './lib/pages.mjs';

const PORTRAIT = { width: 1080, height: 1920 };
const LANDSCAPES = [{ width: 1920, height: 1080 }, { width: 1280, height: 1024 }];
const PASSPORTS = 1;

let server;
let browser;
let manager;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  manager = await server.login('manager');
  const day = [['00:00', '23:59']];
  const hours = { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day };
  let r = await server.api(manager, 'PATCH', '/api/v1/branches/1', { appointments: { opening_hours: hours } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await server.api(manager, 'PATCH', `/api/v1/services/${PASSPORTS}`, { appointments_enabled: true, slot_length_s: 300, walk_in_share: 0 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function openKiosk(viewport = PORTRAIT, query = '') {
  const { page, context } = await freshPage(browser, { viewport });
  await page.goto(`${server.base}/kiosk/?token=${server.kioskToken}${query}`);
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  return { page, context };
}

async function bookToday() {
  const info = (await server.api(null, 'GET', '/api/v1/public/branches/1/booking')).body;
  const r = await server.api(null, 'GET', `/api/v1/public/branches/1/slots?service_id=${PASSPORTS}&day=${info.today}`);
  const slot = r.body.find((s) => s.available > 0);
  assert.ok(slot, 'a free slot today');
  const b = await server.api(null, 'POST', '/api/v1/public/branches/1/appointments', { service_id: PASSPORTS, start: slot.start });
  assert.equal(b.status, 201, JSON.stringify(b.body));
  return b.body;
}

/** The bounding box of a locator is inside the viewport. */
async function assertOnScreen(page, locator, what) {
  const box = await locator.boundingBox();
  const vp = page.viewportSize();
  assert.ok(box, `${what} is rendered`);
  assert.ok(box.x >= 0 && box.x + box.width <= vp.width + 0.5, `${what} fits the width: ${JSON.stringify(box)}`);
  assert.ok(box.y >= 0 && box.y + box.height <= vp.height + 0.5, `${what} is above the fold: ${JSON.stringify(box)} in ${JSON.stringify(vp)}`);
}

test('no viewport that forbids zooming; the page locks gestures with touch-action', async () => {
  const { page, context } = await openKiosk();
  const viewport = await page.locator('meta[name="viewport"]').getAttribute('content');
  assert.doesNotMatch(viewport, /user-scalable\s*=\s*no|maximum-scale/);
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).touchAction), 'pan-x pan-y');
  await context.close();
});

test('the code screen fits a portrait kiosk, and Back is on screen in landscape', async () => {
  for (const viewport of [PORTRAIT, ...LANDSCAPES]) {
    const { page, context } = await openKiosk(viewport);
    await tap(page.locator('#appointment-start'));
    await page.locator('#screen-appointment').waitFor({ state: 'visible' });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `page is ${width} px wide at ${viewport.width}`);
    await assertOnScreen(page, page.locator('#code-keys .key').last(), `last key at ${viewport.width}x${viewport.height}`);
    await assertOnScreen(page, page.locator('#appointment-code'), 'code field');
    await assertOnScreen(page, page.locator('#appointment-submit'), 'check-in button');
    await assertOnScreen(page, page.locator('#screen-appointment [data-action="start"]'), `Back at ${viewport.width}x${viewport.height}`);
    assert.deepEqual(page.errors, []);
    await context.close();
  }
});

test('check-in in the chosen language; an unknown code explained in it; Try again after a lost connection', async () => {
  const booking = await bookToday();
  const { page, context } = await openKiosk();
  await tap(page.locator('#appointment-start'));
  // The branch's first language is English; the visitor switches to Polish.
  await page.locator('#appointment-languages button[lang="pl"]').click();
  await page.locator('#appointment-title', { hasText: 'Zgłoś przybycie' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'pl');
  await page.keyboard.type('ZZZZZZZZ');
  await page.keyboard.press('Enter');
  await page.locator('#screen-error').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#error-title').textContent(), 'Niestety nie udało się zgłosić przybycia');
  assert.match(await page.locator('#error-text').textContent(), /Nie znaleziono wizyty z tym kodem/);
  // A refusal is not repeated: no "Try again".
  assert.equal(await page.locator('#error-retry').isVisible(), false);
  await tap(page.locator('#screen-error [data-action="start"]'));
  await page.locator('#screen-start').waitFor({ state: 'visible' });

  // The connection fails for the whole automatic retry: "Try again" then
  // checks in with the same code.
  await page.route('**/appointments/check-in', (route) => route.abort('connectionreset'));
  await tap(page.locator('#appointment-start'));
  await page.keyboard.type(booking.code);
  await page.keyboard.press('Enter');
  await page.locator('#screen-error').waitFor({ state: 'visible', timeout: 20000 });
  assert.match(await page.locator('#error-text').textContent(), /cannot reach the server/);
  await page.unroute('**/appointments/check-in');
  await tap(page.locator('#error-retry'));
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  assert.match(await page.locator('#ticket-number').textContent(), /^A\d{3}$/);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a refused ticket is explained in the visitor language and not retried', async () => {
  const { page, context } = await openKiosk();
  await tap(page.locator('#languages button[lang="pl"]'));
  await tap(page.locator('#categories button').first());
  await page.locator('#services button').first().waitFor();
  // The service closes while the visitor looks at the list.
  const code = await page.locator('#services button').first().getAttribute('data-code');
  const list = (await server.api(manager, 'GET', '/api/v1/branches/1/services')).body;
  const service = (Array.isArray(list) ? list : list.items).find((s) => s.code === code);
  let r = await server.api(manager, 'PATCH', `/api/v1/services/${service.id}`, { active: false });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await tap(page.locator('#services button').first());
  if (await page.locator('#screen-priority').isVisible()) await tap(page.locator('#priority-no'));
  await page.locator('#screen-error').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#error-title').textContent(), 'Przepraszamy, nie wydano numerka');
  assert.match(await page.locator('#error-text').textContent(), /Ta usługa jest teraz niedostępna/);
  assert.equal(await page.locator('#error-retry').isVisible(), false);
  r = await server.api(manager, 'PATCH', `/api/v1/services/${service.id}`, { active: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('Try again after a lost connection issues the ticket', async () => {
  const { page, context } = await openKiosk();
  await page.route('**/api/v1/branches/1/tickets', (route) => route.abort('connectionreset'));
  await tap(page.locator('#languages button[lang="en"]'));
  await tap(page.locator('#categories button').first());
  await tap(page.locator('#services button').first());
  if (await page.locator('#screen-priority').isVisible()) await tap(page.locator('#priority-no'));
  await page.locator('#screen-error').waitFor({ state: 'visible', timeout: 20000 });
  await page.unroute('**/api/v1/branches/1/tickets');
  await tap(page.locator('#error-retry'));
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('out of order while the server does not answer, back by itself', async () => {
  const { page, context } = await openKiosk(PORTRAIT, '&health=1');
  await server.stopProcess();
  await page.locator('#screen-offline').waitFor({ state: 'visible', timeout: 10000 });
  assert.equal(await page.locator('#screen-start').isVisible(), false);
  assert.equal(await page.locator('#offline-title').textContent(), 'This kiosk is out of order');
  await server.spawn(false);
  await page.locator('#screen-start').waitFor({ state: 'visible', timeout: 10000 });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('ten categories fit on the screen with Back, portrait and landscape', async () => {
  const list = (await server.api(manager, 'GET', '/api/v1/branches/1/services')).body;
  const existing = Array.isArray(list) ? list : list.items;
  const codes = 'EFGHJKLMNPQR'.split('');
  for (let i = 0; existing.length + i < 12; i++) {
    const r = await server.api(manager, 'POST', '/api/v1/branches/1/services', { code: codes[i], name: `Service ${i + 1}`, category: `Category number ${i + 1}` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  for (const viewport of [PORTRAIT, ...LANDSCAPES]) {
    const { page, context } = await openKiosk(viewport);
    await tap(page.locator('#languages button[lang="en"]'));
    await page.locator('#screen-category').waitFor({ state: 'visible' });
    const n = await page.locator('#categories button').count();
    assert.ok(n >= 10, `${n} categories`);
    for (let i = 0; i < n; i++) await assertOnScreen(page, page.locator('#categories button').nth(i), `category ${i + 1} at ${viewport.width}`);
    await assertOnScreen(page, page.locator('#screen-category [data-action="start"]'), `Back at ${viewport.width}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollHeight - innerHeight);
    assert.ok(overflow <= 0, `page scrolls by ${overflow} px`);
    await context.close();
  }
});
