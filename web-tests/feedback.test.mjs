// The feedback tablet at the exit (web/feedback/) and the manager's report
// of the ratings, in headless Chromium against the real server with the
// demo office: the tablet takes a ticket number of today (typed, in any
// case, or a scanned ticket address), refuses unknown and unfinished
// tickets and a second rating with clear messages, thanks and resets; the
// manager's Reports tab shows the ratings per service, desk and clerk with
// the comments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, DEMO_PASSWORD, launchBrowser } from './lib/server.mjs';

let server;
let browser;
let clerk;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  clerk = await server.login('clerk1');
  assert.equal((await server.api(clerk, 'POST', '/api/v1/desks/1/open')).status, 200);
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

/** Issues a ticket and serves it to the end at desk 1 (clerk1). */
async function served(serviceId = 1) {
  const t = await issue(serviceId);
  let r = await server.api(clerk, 'POST', '/api/v1/desks/1/call', { ticket_id: t.id, reason: 'test' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await server.api(clerk, 'POST', '/api/v1/desks/1/finish');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return t;
}

async function openTablet() {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.errors = errors;
  await page.goto(`${server.base}/feedback/?token=${server.kioskToken}`);
  await page.locator('body[data-screen="form"]').waitFor();
  return { page, context };
}

async function rate(page, number, stars, comment) {
  await page.locator('#number').fill(number);
  if (stars) await page.locator(`label[for="rating-${stars}"]`).click();
  if (comment) await page.locator('#comment').fill(comment);
  await page.locator('#feedback button[type="submit"]').click();
}

test('the exit tablet rates a visit by number, refuses what it cannot rate, and resets', async () => {
  const done = await served(1);
  const waiting = await issue(2);
  const { page, context } = await openTablet();
  // The token moved out of the address bar into the tablet's storage.
  assert.equal(new URL(page.url()).search, '');
  assert.equal(await page.locator('#office').textContent(), 'Demo City Hall');
  assert.deepEqual(await page.locator('#languages button').allTextContents(), ['English', 'Dansk', 'Polski']);
  assert.equal(await page.locator('h1').textContent(), 'How was your visit today?');

  await rate(page, 'Z999', 3);
  await page.locator('#error', { hasText: 'We cannot find this ticket number today' }).waitFor();
  await rate(page, waiting.number, 3);
  await page.locator('#error', { hasText: 'This visit is not finished yet.' }).waitFor();

  // In Polish, lower case: still the same ticket.
  await page.locator('#languages button', { hasText: 'Polski' }).click();
  await page.locator('h1', { hasText: 'Jak oceniasz dzisiejszą wizytę?' }).waitFor();
  await rate(page, done.number.toLowerCase(), 5, 'Bardzo sprawnie, dziękuję');
  await page.locator('#thanks', { hasText: 'Dziękujemy za opinię!' }).waitFor();
  // Back to an empty form in the branch's first language after a few seconds.
  await page.locator('body[data-screen="form"]').waitFor({ timeout: 10000 });
  assert.equal(await page.locator('#number').inputValue(), '');
  assert.equal(await page.locator('#comment').inputValue(), '');
  assert.equal(await page.locator('input[name="rating"]:checked').count(), 0);
  await page.locator('h1', { hasText: 'How was your visit today?' }).waitFor();

  await rate(page, done.number, 1);
  await page.locator('#error', { hasText: 'This visit was already rated. Thank you!' }).waitFor();

  // A scanner typing the ticket's QR address works too.
  const second = await served(2);
  await rate(page, `${server.base}/ticket/?t=${second.public_token}`, 2, 'Long wait');
  await page.locator('body[data-screen="thanks"]').waitFor();
  const v = await server.api(null, 'GET', `/api/v1/public/tickets/${second.public_token}`);
  assert.equal(v.body.feedback_rating, 2);

  // Reloaded without the token, the tablet remembers it.
  await page.goto(`${server.base}/feedback/`);
  await page.locator('body[data-screen="form"]').waitFor();
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('without storage the tablet keeps its token in the address, so a reload still finds it', async () => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  // Storage refused, as in some browsers' private mode.
  await context.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', { configurable: true, get() { throw new DOMException('denied', 'SecurityError'); } });
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.base}/feedback/#token=${server.kioskToken}`);
  await page.locator('body[data-screen="form"]').waitFor();
  assert.equal(new URL(page.url()).hash, `#token=${server.kioskToken}`);
  await page.reload();
  await page.locator('body[data-screen="form"]').waitFor();
  assert.equal(await page.locator('#office').textContent(), 'Demo City Hall');
  assert.deepEqual(errors, []);
  await context.close();
});

test("the manager's report shows the ratings per service, desk and clerk with the comments", async () => {
  // Ratings from the ticket page too (the tablet test above gave 5 and 2).
  const third = await served(1);
  const r = await server.api(null, 'POST', `/api/v1/public/tickets/${third.public_token}/feedback`, { rating: 4, comment: 'Friendly <b>staff</b>' });
  assert.equal(r.status, 201, JSON.stringify(r.body));

  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.base}/manager/`);
  await page.locator('#sign-in').getByLabel('User name').fill('manager');
  await page.locator('#sign-in').getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Reports' }).click();
  const box = page.locator('#report-feedback');
  await box.locator('.kpi dd', { hasText: '3.67 / 5' }).waitFor();
  assert.equal(await box.locator('.kpi dd').first().textContent(), '3');

  const rows = async (caption) => page.locator('#report-feedback table', { has: page.locator('caption', { hasText: caption }) }).locator('tbody tr').evaluateAll(
    (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)),
  );
  assert.deepEqual(await rows('By service'), [
    ['A · Passports', '2', '4.50', '0', '0', '0', '1', '1'],
    ['B · ID cards', '1', '2.00', '0', '1', '0', '0', '0'],
  ]);
  assert.deepEqual(await rows('By desk'), [['Desk 1', '3', '3.67', '0', '1', '0', '1', '1']]);
  assert.deepEqual(await rows('By clerk'), [['clerk1', '3', '3.67', '0', '1', '0', '1', '1']]);
  const comments = await rows('Comments');
  assert.equal(comments.length, 3);
  // Newest first; text stays text.
  assert.equal(comments[0][1], third.number);
  assert.equal(comments[0][6], 'Friendly <b>staff</b>');
  assert.deepEqual(comments.map((c) => c[6]).slice(1), ['Long wait', 'Bardzo sprawnie, dziękuję']);
  assert.deepEqual(errors, []);
  await context.close();
});
