// The visitor's ticket page (web/ticket/) in headless Chromium against the
// real server with the demo office (desk 1 serves A; services A–D are 1–4):
// the page follows its live stream (not polling) from waiting to called,
// vibrating, chiming and speaking (all three stubbed and recorded); the
// visitor cancels; postpones once and is then refused; rates the visit
// when it is done, and the rating shows as given after a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DemoServer, launchBrowser } from './lib/server.mjs';

const PHONE = { width: 390, height: 844 };

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

async function issue(serviceId = 1, language = 'en') {
  const r = await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: serviceId, language });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** Records vibration, WebAudio tones and speech instead of making them. */
function stubAlerts() {
  window.__alerts = { vibrate: [], tones: 0, spoken: [] };
  Object.defineProperty(navigator, 'vibrate', { configurable: true, value: (p) => { window.__alerts.vibrate.push(p); return true; } });
  const param = () => ({ value: 0, setValueAtTime() {}, exponentialRampToValueAtTime() {} });
  window.AudioContext = class {
    constructor() { this.state = 'running'; this.currentTime = 0; this.destination = {}; }
    resume() { return Promise.resolve(); }
    createOscillator() {
      return { frequency: param(), connect() {}, start() { window.__alerts.tones += 1; }, stop() {} };
    }
    createGain() { return { gain: param(), connect() {} }; }
  };
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
  Object.defineProperty(window, 'speechSynthesis', {
    configurable: true,
    value: { speak: (u) => window.__alerts.spoken.push({ text: u.text, lang: u.lang }), cancel() {}, getVoices: () => [] },
  });
}

async function openTicket(t) {
  const context = await browser.newContext({ viewport: PHONE });
  await context.addInitScript(stubAlerts);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.errors = errors;
  await page.goto(`${server.base}/ticket/?t=${t.public_token}`);
  await page.locator('#ticket').waitFor({ state: 'visible' });
  await page.locator('body[data-transport="live"]').waitFor({ timeout: 5000 });
  return { page, context };
}

/** Calls at desk 1 until `t` comes up, marking the others no-show. */
async function callUntil(t) {
  for (let i = 0; i < 40; i++) {
    const r = await server.api(clerk, 'POST', '/api/v1/desks/1/call-next');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (r.body.id === t.id) return;
    assert.equal((await server.api(clerk, 'POST', '/api/v1/desks/1/no-show')).status, 200);
  }
  throw new Error(`ticket ${t.number} never came up`);
}

test('a waiting ticket shows its predicted range', async () => {
  await issue(1, 'en');
  const t = await issue(1, 'en');
  assert.ok(t.predicted_range_s, JSON.stringify(t));
  const { page, context } = await openTicket(t);
  const low = Math.floor(t.predicted_range_s[0] / 60);
  const high = Math.max(Math.ceil(t.predicted_range_s[1] / 60), low + 1);
  assert.equal(await page.locator('#wait').textContent(), `Expected wait: ${low}–${high} minutes`);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the page follows the live stream to "called", vibrating, chiming and speaking', async () => {
  const t = await issue(1, 'en');
  const { page, context } = await openTicket(t);
  assert.equal(await page.locator('#number').textContent(), t.number);
  assert.equal(await page.locator('#waiting .status').textContent(), 'Waiting');
  const before = await page.evaluate(() => structuredClone(window.__alerts));
  assert.deepEqual(before, { vibrate: [], tones: 0, spoken: [] }, 'nothing before the call');

  // Polling runs every 3 s only as a fallback: a stream delivers sooner.
  const started = Date.now();
  await callUntil(t);
  await page.locator('#called').waitFor({ state: 'visible', timeout: 2500 });
  assert.ok(Date.now() - started < 2500, 'pushed, not polled');
  assert.equal(await page.locator('#desk').textContent(), 'Desk 1');
  assert.equal(await page.locator('body').getAttribute('data-transport'), 'live');
  await page.waitForFunction(() => window.__alerts.spoken.length > 0);
  const alerts = await page.evaluate(() => window.__alerts);
  assert.equal(alerts.vibrate.length, 1);
  assert.ok(alerts.vibrate[0].length >= 3, 'a vibration pattern');
  assert.equal(alerts.tones, 2, 'a two-tone chime');
  assert.match(alerts.spoken[0].text, /Desk 1/);
  assert.match(alerts.spoken[0].text, new RegExp(t.number));
  assert.equal(alerts.spoken[0].lang, 'en');
  // The visitor can no longer postpone, but can still say they will not come.
  assert.equal(await page.locator('#postpone').isVisible(), false);
  assert.equal(await page.locator('#cancel').isVisible(), true);

  // A recall alerts again.
  assert.equal((await server.api(clerk, 'POST', '/api/v1/desks/1/recall')).status, 200);
  await page.waitForFunction(() => window.__alerts.vibrate.length === 2);
  assert.equal((await server.api(clerk, 'POST', '/api/v1/desks/1/no-show')).status, 200);
  await page.locator('#other').waitFor({ state: 'visible' });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the visitor cancels their ticket', async () => {
  const t = await issue(2, 'pl');
  const { page, context } = await openTicket(t);
  await page.locator('#cancel').click();
  await page.locator('#confirm').waitFor({ state: 'visible' });
  assert.match(await page.locator('#confirm-text').textContent(), /Anulować numerek\?/);
  // Changing one's mind keeps the ticket.
  await page.locator('#confirm-no').click();
  assert.equal(await page.locator('#confirm').isVisible(), false);
  await page.locator('#cancel').click();
  await page.locator('#confirm-yes').click();
  await page.locator('#other', { hasText: 'Ten numerek został anulowany.' }).waitFor();
  assert.equal(await page.locator('body').getAttribute('data-status'), 'cancelled');
  assert.equal(await page.locator('#actions').isVisible(), false);
  const r = await server.api(null, 'GET', `/api/v1/public/tickets/${t.public_token}`);
  assert.equal(r.body.status, 'cancelled');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the visitor postpones once; the second time is refused', async () => {
  // Three waiting for service D; the first postpones.
  const first = await issue(4, 'en');
  await issue(4, 'en');
  await issue(4, 'en');
  const { page, context } = await openTicket(first);
  await page.waitForFunction(() => /You are next|0 people/.test(document.querySelector('#ahead').textContent));
  await page.locator('#postpone').click();
  assert.match(await page.locator('#confirm-text').textContent(), /only once/);
  await page.locator('#confirm-yes').click();
  await page.locator('#action-message', { hasText: 'at the back of the queue' }).waitFor();
  await page.locator('#ahead', { hasText: '2 people ahead of you' }).waitFor();
  assert.equal(await page.locator('#postpone').isVisible(), false);
  assert.equal(await page.locator('#postponed-note').isVisible(), true);

  // A second page still showing the button (its stream cut, a stale view)
  // is refused by the server, and says so.
  const stale = await browser.newContext({ viewport: PHONE });
  const page2 = await stale.newPage();
  await page2.route('**/api/v1/public/tickets/*/live', (route) => route.abort());
  await page2.route(`**/api/v1/public/tickets/${first.public_token}`, async (route) => {
    try {
      const response = await route.fetch();
      const body = await response.json();
      await route.fulfill({ response, json: { ...body, can_postpone: true, postponed: false } });
    } catch {
      // the context closed during a poll
    }
  });
  await page2.goto(`${server.base}/ticket/?t=${first.public_token}`);
  await page2.locator('#postpone').click();
  await page2.locator('#confirm-yes').click();
  await page2.locator('#action-message', { hasText: 'already moved back once and cannot be moved back again' }).waitFor();
  const again = await server.api(null, 'POST', `/api/v1/public/tickets/${first.public_token}/postpone`);
  assert.equal(again.status, 409);
  assert.match(again.body.message, /already postponed once/);
  await page2.unrouteAll({ behavior: 'ignoreErrors' });
  await stale.close();
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a finished visit asks for a rating, once', async () => {
  const t = await issue(1, 'da');
  const { page, context } = await openTicket(t);
  assert.equal(await page.locator('#feedback').isVisible(), false);
  await callUntil(t);
  assert.equal((await server.api(clerk, 'POST', '/api/v1/desks/1/finish')).status, 200);
  await page.locator('#feedback').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#feedback legend').textContent(), 'Hvordan var dit besøg?');
  // Sending without stars asks for them.
  await page.locator('#feedback button[type="submit"]').click();
  await page.locator('#feedback-error', { hasText: 'Vælg venligst 1 til 5 stjerner.' }).waitFor();
  await page.locator('label[for="rating-4"]').click();
  await page.locator('#comment').fill('Venlig og hurtig');
  await page.locator('#feedback button[type="submit"]').click();
  await page.locator('#feedback-thanks').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#feedback').isVisible(), false);
  const v = await server.api(null, 'GET', `/api/v1/public/tickets/${t.public_token}`);
  assert.equal(v.body.feedback, 'given');
  assert.equal(v.body.feedback_rating, 4);
  // A reload shows the thanks, not the form.
  await page.reload();
  await page.locator('#feedback-thanks').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#feedback').isVisible(), false);
  assert.deepEqual(page.errors, []);
  await context.close();
});
