// The visitor pages where visitors were let down: the booking page in the
// visitor's language, the office page with no desk open, the exit tablet
// taking "A 003" as typed from the ticket, the phone pages at 320 px with
// text at 200 % (WCAG reflow), and a favicon on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, launchBrowser } from './lib/server.mjs';
import { freshPage } from './lib/pages.mjs';

let server;
let browser;
let manager;
let clerk;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  manager = await server.login('manager');
  clerk = await server.login('clerk1');
  const r = await server.api(manager, 'PATCH', '/api/v1/services/1', { remote_enabled: true, appointments_enabled: true });
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

test('the booking page speaks the visitor language, chosen in the bar', async () => {
  const { page, context } = await freshPage(browser, { viewport: { width: 420, height: 900 }, locale: 'pl-PL' });
  await page.goto(`${server.base}/book/?branch=1`);
  await page.locator('#booking').waitFor({ state: 'visible' });
  // The browser's language, offered by the office.
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'pl');
  assert.equal(await page.locator('#booking-title').textContent(), 'Umów wizytę');
  assert.equal(await page.locator('#find').textContent(), 'Pokaż wolne terminy');
  assert.equal(await page.locator('label[for="day"]').textContent(), 'Dzień');
  // Service names in Polish too.
  assert.match(await page.locator('#services').textContent(), /Paszporty/);
  await page.locator('#languages button', { hasText: 'Dansk' }).click();
  assert.equal(await page.locator('#booking-title').textContent(), 'Book en tid');
  assert.equal(await page.evaluate(() => document.title), 'Book en tid – Waitwell');
  // An unknown booking is explained in the chosen language.
  await page.goto(`${server.base}/book/?code=ZZZZZZZZ`);
  await page.locator('#problem').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#problem').textContent(), 'Denne booking eller dette kontor findes ikke.');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the office page says no desk is open instead of promising a wait', async () => {
  await issue(1);
  const { page, context } = await freshPage(browser, { viewport: { width: 420, height: 900 } });
  await page.goto(`${server.base}/office/?branch=1&lang=en`);
  const meta = page.locator('#services .service', { hasText: 'Passports' }).locator('.meta');
  await meta.waitFor();
  assert.match(await meta.textContent(), /no desk open/);
  assert.doesNotMatch(await meta.textContent(), /\d+ min/);
  // With a desk open, the estimate (or the predicted range) is back.
  const r = await server.api(clerk, 'POST', '/api/v1/desks/1/open');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await page.reload();
  await page.locator('#services .service', { hasText: 'Passports' }).locator('.meta', { hasText: /(about \d+|\d+–\d+) min/ }).waitFor();
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the exit tablet takes the number as printed, with a space', async () => {
  const t = await issue(2);
  let r = await server.api(clerk, 'POST', '/api/v1/desks/1/open');
  r = await server.api(clerk, 'POST', '/api/v1/desks/1/call', { ticket_id: t.id, reason: 'test' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await server.api(clerk, 'POST', '/api/v1/desks/1/finish');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const printed = `${t.number[0]} ${t.number.slice(1)}`.toLowerCase(); // "b 001"
  const { page, context } = await freshPage(browser, { viewport: { width: 1024, height: 768 } });
  await page.goto(`${server.base}/feedback/?token=${server.kioskToken}`);
  await page.locator('body[data-screen="form"]').waitFor();
  await page.locator('#languages button', { hasText: 'English' }).click();
  await page.locator('#number').fill(printed);
  await page.locator('label[for="rating-4"]').click();
  await page.locator('#feedback button[type="submit"]').click();
  await page.locator('#thanks').waitFor({ state: 'visible' });
  const after = await server.api(manager, 'GET', `/api/v1/tickets/${t.id}`);
  assert.equal(after.status, 200);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('phone pages reflow at 320 px with text at 200 %', async () => {
  const t = await issue(1);
  const pages = [
    ['ticket', `/ticket/?t=${t.public_token}`, '#number'],
    ['office', '/office/?branch=1&lang=en', '#services .service'],
    ['book', '/book/?branch=1', '#booking'],
  ];
  for (const [name, url, ready] of pages) {
    const { page, context } = await freshPage(browser, { viewport: { width: 320, height: 640 } });
    await page.goto(server.base + url);
    await page.locator(ready).first().waitFor({ state: 'visible' });
    // The browser's text size at 200 %: rem and em double.
    await page.evaluate(() => document.documentElement.style.setProperty('font-size', '200%', 'important'));
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(() => {
      const out = [];
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > width) out.push(`page ${document.documentElement.scrollWidth}`);
      for (const node of document.querySelectorAll('body *')) {
        const r = node.getBoundingClientRect();
        if (r.width === 0 || getComputedStyle(node).visibility === 'hidden') continue;
        if (r.right > width + 1 || r.left < -1) out.push(`${node.tagName}#${node.id}.${node.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
        if (node.scrollWidth > node.clientWidth + 1 && getComputedStyle(node).overflowX === 'visible' && node.clientWidth > 0) out.push(`${node.tagName}#${node.id}.${node.className} overflows its box`);
      }
      return out;
    });
    assert.deepEqual(overflow, [], `${name}: ${overflow.join('; ')}`);
    await context.close();
  }
});

test('every page has a favicon', async () => {
  const res = await fetch(`${server.base}/favicon.svg`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /image\/svg\+xml/);
  for (const p of ['/', '/kiosk/', '/display/', '/ticket/', '/office/', '/book/', '/feedback/', '/standards/', '/clerk/', '/manager/']) {
    const html = await (await fetch(server.base + p)).text();
    assert.match(html, /<link rel="icon" href="\/favicon.svg"/, p);
  }
});
