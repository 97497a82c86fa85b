// The waiting-room display (display/) in headless Chromium against the real
// server: calls appear, are announced (speechSynthesis stubbed) one at a
// time, recalls are announced again, snapshots are not announced, the page
// recovers from a server restart with exactly a fresh page's content, and
// screenshots at 1080p and 720p (the 1080p one is docs/display.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DemoServer, launchBrowser, screenshotDir } from './lib/server.mjs';

const docsDir = path.resolve(screenshotDir, '..', '..', 'docs');

let server;
let browser;
let clerk;
let manager;
let displayId;

/** Fake speechSynthesis: one voice per language, records every utterance,
 *  "speaks" for 300 ms, and notes whether a speak started while another
 *  utterance was still speaking. Runs in the page before its scripts. */
function speechStub() {
  const log = [];
  let speaking = null;
  const voices = ['en-GB', 'pl-PL', 'da-DK'].map((lang) => ({
    lang, name: `Stub ${lang}`, voiceURI: `stub-${lang}`, localService: true, default: lang === 'en-GB',
  }));
  const synth = {
    speaking: false,
    pending: false,
    paused: false,
    onvoiceschanged: null,
    getVoices: () => voices,
    speak(u) {
      const entry = { text: u.text, lang: u.lang, start: Date.now(), end: null, overlapped: speaking !== null };
      log.push(entry);
      speaking = entry;
      synth.speaking = true;
      setTimeout(() => {
        entry.end = Date.now();
        speaking = null;
        synth.speaking = false;
        if (u.onend) u.onend({ type: 'end' });
      }, 300);
    },
    cancel() {
      log.push({ cancel: true, start: Date.now() });
    },
    pause() {},
    resume() {},
    addEventListener() {},
    removeEventListener() {},
  };
  Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
  window.SpeechSynthesisUtterance = class {
    constructor(text) {
      this.text = text;
      this.lang = '';
      this.voice = null;
      this.rate = 1;
      this.onend = null;
      this.onerror = null;
    }
  };
  window.__speech = log;
}

async function ok(res, what) {
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function issue(serviceId) {
  return ok(await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/tickets', { service_id: serviceId }), 'issue');
}

async function desk(id, action, body) {
  return ok(await server.api(clerk, 'POST', `/api/v1/desks/${id}/${action}`, body), `desk ${id} ${action}`);
}

/** Frees the desk, then calls the next visitor. (No-show rather than
 *  finish: instant services would make every estimate "< 1 min".) */
async function callNext(id) {
  await server.api(clerk, 'POST', `/api/v1/desks/${id}/no-show`);
  const t = await desk(id, 'call-next');
  assert.ok(t && t.number, `desk ${id} called nobody`);
  return t;
}

async function setDisplayConfig(config) {
  await ok(await server.api(manager, 'PATCH', `/api/v1/devices/${displayId}`, { config }), 'display config');
}

/** A display page in its own browser context (its own localStorage). */
async function openDisplay({ width = 1920, height = 1080, context, url } = {}) {
  const ctx = context || (await browser.newContext({ viewport: { width, height } }));
  const page = await ctx.newPage();
  await page.addInitScript(speechStub);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(server.base + (url || `/display/?token=${server.displayToken}`));
  await waitLive(page);
  return { ctx, page, errors };
}

async function waitLive(page) {
  await page.waitForFunction(() => document.getElementById('connection').getAttribute('data-state') === 'live' &&
    document.getElementById('office-name').textContent !== '', null, { timeout: 15000 });
}

async function waitText(page, selector, text) {
  await page.waitForFunction(([s, t]) => document.querySelector(s).textContent === t, [selector, text], { timeout: 10000 });
}

function spoken(page) {
  return page.evaluate(() => window.__speech.slice());
}

async function waitSpoken(page, n) {
  await page.waitForFunction((count) => window.__speech.filter((e) => !e.cancel).length >= count, n, { timeout: 20000 });
  return spoken(page);
}

function assertNoOverlap(log) {
  const utterances = log.filter((e) => !e.cancel);
  assert.deepEqual(log.filter((e) => e.cancel), [], 'no announcement was cut off');
  for (let i = 0; i < utterances.length; i++) {
    assert.equal(utterances[i].overlapped, false, `utterance ${i} started while another was speaking`);
    if (i > 0) {
      assert.ok(utterances[i - 1].end !== null && utterances[i].start >= utterances[i - 1].end,
        `utterance ${i} ("${utterances[i].text}") started before utterance ${i - 1} ended`);
    }
  }
}

/** What the page shows, as text. */
/** What the page shows of the live state. The wait column is left out: it
 *  is the predicted wait, read from the server once a minute and after
 *  changes, not part of the live stream (see `waits`). */
function shown(page) {
  return page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent.replace(/\s+/g, ' ').trim();
    const rows = Array.from(document.querySelectorAll('#services tbody tr'))
      .map((r) => `${r.getAttribute('data-service-id')}: ${Array.from(r.cells).slice(0, 3).map((c) => c.textContent).join('')}`);
    return {
      latestNumber: text('latest-number'),
      latestDesk: text('latest-desk'),
      previous: Array.from(document.querySelectorAll('#previous-calls li')).map((li) => li.textContent),
      services: rows,
      office: text('office-name'),
      message: text('message'),
    };
  });
}

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  clerk = await server.login('clerk1');
  manager = await server.login('manager');
  const devices = await ok(await server.api(manager, 'GET', '/api/v1/branches/1/devices'), 'devices');
  const list = Array.isArray(devices) ? devices : devices.items;
  displayId = list.find((d) => d.kind === 'display').id;
  for (const id of [1, 2, 3, 4]) await desk(id, 'open');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a call made through the API appears on the page and is announced in the display languages', async () => {
  await setDisplayConfig({ languages: ['en', 'pl'], message: 'Please have your documents ready.' });
  const { ctx, page, errors } = await openDisplay();
  assert.equal(await page.textContent('#office-name'), 'Demo City Hall');
  assert.equal(await page.textContent('#message'), 'Please have your documents ready.');
  assert.match(await page.textContent('#clock'), /^\d\d:\d\d$/);
  assert.deepEqual(await page.$$eval('#services tbody tr', (rows) => rows.map((r) => r.getAttribute('data-service-id'))), ['1', '2', '3', '4']);
  assert.equal(await page.textContent('#services tr[data-service-id="1"] .code'), 'A');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');

  const ticket = await issue(1);
  await page.waitForFunction(() => document.querySelector('#services tr[data-service-id="1"] .waiting').textContent === '1');
  const called = await callNext(1);
  assert.equal(called.number, ticket.number);
  await waitText(page, '#latest-number', ticket.number);
  assert.equal(await page.textContent('#latest-desk'), 'Desk 1');
  assert.ok(await page.$eval('#latest', (el) => el.classList.contains('highlight')), 'the new call is highlighted');
  assert.equal(await page.textContent('#services tr[data-service-id="1"] .waiting'), '0');

  const n = Number(ticket.number.slice(1));
  const log = await waitSpoken(page, 2);
  assert.deepEqual(log.map((e) => [e.text, e.lang]), [
    [`Ticket A ${n}, desk 1`, 'en-GB'],
    [`Numer A ${n}, stanowisko 1`, 'pl-PL'],
  ]);
  assertNoOverlap(log);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a recall is announced again, queued announcements never overlap, snapshots are not announced', async () => {
  await setDisplayConfig({ languages: ['en'] });
  const { ctx, page, errors } = await openDisplay();
  const b = await issue(2);
  const c = await issue(3);
  // Three calls in quick succession: each waits for the one before.
  const first = await callNext(2);
  assert.equal(first.number, b.number);
  await desk(2, 'recall');
  const third = await callNext(3);
  assert.equal(third.number, c.number);
  await waitText(page, '#latest-number', c.number);
  const nb = Number(b.number.slice(1));
  const nc = Number(c.number.slice(1));
  const log = await waitSpoken(page, 3);
  assert.deepEqual(log.map((e) => e.text), [
    `Ticket B ${nb}, desk 2`,
    `Ticket B ${nb}, desk 2`,
    `Ticket C ${nc}, desk 3`,
  ]);
  assertNoOverlap(log);
  // The recalled ticket is listed once among the previous calls.
  const previous = await page.$$eval('#previous-calls li .number', (els) => els.map((e) => e.textContent));
  assert.equal(previous.filter((x) => x === b.number).length, 1, previous.join(' '));

  // A recall of the latest call shows "called again" and is announced.
  await desk(3, 'recall');
  await page.waitForFunction(() => document.body.classList.contains('recalled'));
  const again = await waitSpoken(page, 4);
  assert.equal(again[3].text, `Ticket C ${nc}, desk 3`);
  assertNoOverlap(again);

  // A page that starts now shows the same calls but announces nothing.
  const fresh = await openDisplay();
  await waitText(fresh.page, '#latest-number', c.number);
  await fresh.page.waitForTimeout(1500);
  assert.deepEqual(await spoken(fresh.page), []);
  assert.deepEqual(await shown(fresh.page), await shown(page));
  assert.deepEqual(errors, []);
  assert.deepEqual(fresh.errors, []);
  await fresh.ctx.close();
  await ctx.close();
});

test('audio "server" plays announcements rendered by the server', async () => {
  await setDisplayConfig({ languages: ['da'], audio: 'server', chime: false });
  const { ctx, page, errors } = await openDisplay();
  const announced = [];
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (url.pathname === '/api/v1/branches/1/announce') {
      announced.push({ text: url.searchParams.get('text'), lang: url.searchParams.get('lang'), status: res.status(), type: res.headers()['content-type'] });
    }
  });
  const t = await issue(1);
  const called = await callNext(1);
  assert.equal(called.number, t.number);
  await waitText(page, '#latest-number', t.number);
  for (let i = 0; i < 100 && !announced.length; i++) await page.waitForTimeout(100);
  const n = Number(t.number.slice(1));
  assert.equal(announced.length, 1);
  assert.equal(announced[0].text, `Nummer A ${n}, skranke 1`);
  assert.equal(announced[0].lang, 'da');
  // 200 with a WAV when the server has espeak-ng, else 503 (and the page stays quiet).
  assert.ok(announced[0].status === 200 ? announced[0].type === 'audio/wav' : announced[0].status === 503, JSON.stringify(announced[0]));
  assert.deepEqual(await spoken(page), [], 'no browser speech with audio "server"');
  assert.equal(await page.textContent('#services th.num'), 'Venter');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('after a server restart the page recovers and shows what a fresh page shows', async () => {
  await setDisplayConfig({ languages: ['en'] });
  const { ctx, page, errors } = await openDisplay();
  // Calls before the outage.
  await issue(4);
  await issue(4);
  await issue(1);
  await callNext(4);
  const before1 = await callNext(1);
  await waitText(page, '#latest-number', before1.number);

  const restarting = server.restart({ downMs: 1500 });
  await page.waitForFunction(() => document.getElementById('connection').getAttribute('data-state') !== 'live', null, { timeout: 10000 });
  assert.ok(await page.isVisible('#connection'), 'the reconnecting mark shows while offline');
  await restarting;

  // Calls after the restart, made as soon as the server is back.
  await issue(2);
  const afterCall = await callNext(4);
  await desk(4, 'recall');
  await issue(3);
  await waitLive(page);
  await waitText(page, '#latest-number', afterCall.number);
  await page.waitForFunction(() => document.querySelector('#services tr[data-service-id="3"] .waiting').textContent !== '0');
  assert.equal(await page.isVisible('#connection'), false, 'the mark is gone once live');

  // A page opened now (same browser profile: the token is remembered).
  const fresh = await openDisplay({ context: ctx, url: '/display/' });
  await waitText(fresh.page, '#latest-number', afterCall.number);
  const a = await shown(page);
  const b = await shown(fresh.page);
  assert.deepEqual(a, b);
  // Every open queue shows a predicted range ("2–11 min") on both pages.
  for (const p of [page, fresh.page]) {
    await p.waitForFunction(() => Array.from(document.querySelectorAll('#services tbody tr .wait'))
      .every((c) => /^\d+–\d+ min$/.test(c.textContent)), null, { timeout: 5000 });
  }
  assert.ok(a.previous.length >= 3, JSON.stringify(a.previous));
  assert.deepEqual(errors, []);
  assert.deepEqual(fresh.errors, []);
  await ctx.close();
});

test('screenshots at 1080p and 720p', async () => {
  await setDisplayConfig({ languages: ['en', 'da'] });
  // A realistic morning: people waiting in every queue, several calls.
  for (const s of [1, 1, 1, 2, 2, 3, 1, 4, 4, 2, 1, 3, 1, 4, 3, 1, 2, 4, 1, 3]) await issue(s);
  for (const d of [3, 2, 4, 1, 3, 2, 4]) await callNext(d);
  const last = await callNext(1);
  mkdirSync(screenshotDir, { recursive: true });
  mkdirSync(docsDir, { recursive: true });
  for (const [name, width, height] of [['1080p', 1920, 1080], ['720p', 1280, 720]]) {
    const { ctx, page, errors } = await openDisplay({ width, height });
    await waitText(page, '#latest-number', last.number);
    const file = path.join(screenshotDir, `display-${name}.png`);
    await page.screenshot({ path: file, animations: 'disabled' });
    assert.ok(statSync(file).size > 10000);
    if (name === '1080p') copyFileSync(file, path.join(docsDir, 'display.png'));
    // Everything fits on the screen: no scrolling, nothing cut off.
    const fits = await page.evaluate(() => {
      const box = (sel) => document.querySelector(sel).getBoundingClientRect();
      const inside = (inner, outer) => {
        const i = box(inner);
        const o = box(outer);
        return i.top >= o.top - 1 && i.left >= o.left - 1 && i.bottom <= o.bottom + 1 && i.right <= o.right + 1 ? true : [inner, i.bottom, o.bottom, i.right, o.right];
      };
      return {
        page: document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth,
        number: inside('#latest-number', '#latest'),
        desk: inside('#latest .to', '#latest'),
        previous: inside('#previous-calls li:last-child', '.previous'),
        services: inside('#services tbody tr:last-child', '.queues'),
        message: inside('#message', 'body'),
      };
    });
    assert.deepEqual(fits, { page: true, number: true, desk: true, previous: true, services: true, message: true }, name);
    assert.deepEqual(errors, []);
    await ctx.close();
  }
});
