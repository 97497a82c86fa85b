// The kiosk's accessibility options, offered at the bottom of every screen:
// read aloud (speechSynthesis stubbed: the test asserts what would be
// spoken, in which language), high contrast, large text and the low-reach
// layout with every control in the lower two thirds; axe finds nothing in
// any of them, and the next visitor starts with them off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DemoServer, launchBrowser, screenshotDir } from './lib/server.mjs';
import { freshPage, tap } from './lib/pages.mjs';
import { assertAccessible } from './lib/axe.mjs';

const PORTRAIT = { width: 1080, height: 1920 };

let server;
let browser;

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  const manager = await server.login('manager');
  const r = await server.api(manager, 'PATCH', '/api/v1/services/1', { appointments_enabled: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** Fake speechSynthesis with a voice per language; every utterance and
 *  every cancel is logged in window.spoken. Runs before the page's scripts. */
function speechStub() {
  window.spoken = [];
  const voices = ['en-GB', 'pl-PL', 'da-DK'].map((lang) => ({ lang, name: `Stub ${lang}`, voiceURI: lang, localService: true, default: false }));
  const synth = {
    speaking: false,
    pending: false,
    paused: false,
    getVoices: () => voices,
    speak(u) { window.spoken.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.name }); },
    cancel() { window.spoken.push({ cancel: true }); },
    pause() {},
    resume() {},
    addEventListener() {},
    removeEventListener() {},
  };
  Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
  window.SpeechSynthesisUtterance = class {
    constructor(text) { this.text = text; this.lang = ''; this.voice = null; }
  };
}

async function openKiosk(viewport = PORTRAIT, query = '') {
  const { page, context } = await freshPage(browser, { viewport });
  await page.addInitScript(speechStub);
  await page.goto(`${server.base}/kiosk/?token=${server.kioskToken}${query}`);
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  return { page, context };
}

/** The texts spoken since the last cancel (the current screen's words). */
const spokenNow = (page) => page.evaluate(() => {
  const log = window.spoken;
  let i = log.length - 1;
  while (i >= 0 && !log[i].cancel) i--;
  return log.slice(i + 1);
});

async function option(page, name) {
  if (await page.locator('#a11y-panel').isHidden()) await page.locator('#a11y-toggle').click();
  await page.locator(`.a11y-option[data-option="${name}"]`).click();
}

test('read aloud: each screen and the ticket in the chosen language', async () => {
  const { page, context } = await openKiosk();
  // Nothing is spoken until the visitor asks.
  assert.deepEqual(await page.evaluate(() => window.spoken.filter((s) => !s.cancel)), []);
  await option(page, 'speech');
  let said = await spokenNow(page);
  assert.deepEqual(said.slice(0, 2).map((s) => s.text), ['Welcome', 'Touch your language to take a ticket']);
  assert.ok(said.some((s) => s.text === 'Polski'), JSON.stringify(said));
  assert.ok(said.every((s) => s.lang === 'en-GB' && s.voice === 'Stub en-GB'), JSON.stringify(said));

  await tap(page.locator('#languages button[lang="pl"]'));
  await page.locator('#screen-category').waitFor({ state: 'visible' });
  said = await spokenNow(page);
  assert.equal(said[0].text, 'W jakiej sprawie przychodzisz?');
  assert.ok(said.every((s) => s.lang === 'pl-PL'), JSON.stringify(said));
  assert.ok(said.some((s) => s.text === 'Wstecz'), 'the Back button is read too');
  const categories = await page.locator('#categories button .label').allTextContents();
  for (const c of categories) assert.ok(said.some((s) => s.text === c), `category ${c} is read`);

  await tap(page.locator('#categories button').first());
  await tap(page.locator('#services button').first());
  if (await page.locator('#screen-priority').isVisible()) {
    said = await spokenNow(page);
    assert.equal(said[0].text, 'Czy potrzebujesz obsługi w pierwszej kolejności?');
    await tap(page.locator('#priority-no'));
  }
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  const number = (await page.locator('#ticket-number').textContent()).trim();
  said = (await spokenNow(page)).map((s) => s.text);
  const spelled = `${number[0]} ${parseInt(number.slice(1), 10)}`;
  assert.equal(said[0], 'Twój numer');
  assert.equal(said[1], spelled, 'the number is read as letters and a number');
  assert.ok(said.some((t) => /przed Tobą/.test(t)), JSON.stringify(said));
  assert.ok(said.includes('Odbierz wydrukowany numerek.'), JSON.stringify(said));

  // Done: the next visitor starts with speech off.
  await tap(page.locator('#ticket-done'));
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  assert.equal(await page.locator('.a11y-option[data-option="speech"]').getAttribute('aria-pressed'), 'false');
  const before = await page.evaluate(() => window.spoken.length);
  await tap(page.locator('#languages button[lang="en"]'));
  await page.locator('#screen-category').waitFor({ state: 'visible' });
  const after = await page.evaluate((b) => window.spoken.slice(b).filter((s) => !s.cancel), before);
  assert.deepEqual(after, []);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('low reach: every control in the lower two thirds, on every screen, with large text too', async () => {
  const cases = [];
  for (const viewport of [PORTRAIT, { width: 1280, height: 1024 }]) {
    for (const options of [['low'], ['low', 'large']]) cases.push({ viewport, options });
  }
  for (const { viewport, options } of cases) {
    const { page, context } = await openKiosk(viewport);
    for (const o of options) await option(page, o);
    const check = async (screen) => {
      const boxes = await page.evaluate(() => Array.from(document.querySelectorAll('button, input'))
        .filter((b) => b.offsetParent !== null && !b.closest('[hidden]'))
        .map((b) => ({ id: b.id || b.textContent.trim().slice(0, 20), top: b.getBoundingClientRect().top, bottom: b.getBoundingClientRect().bottom })));
      const third = viewport.height / 3;
      for (const b of boxes) {
        const where = `${screen} at ${viewport.width} with ${options.join('+')}`;
        assert.ok(b.top >= third, `${where}: ${b.id} starts at ${Math.round(b.top)} px, above ${Math.round(third)}`);
        assert.ok(b.bottom <= viewport.height, `${where}: ${b.id} below the screen (${Math.round(b.bottom)})`);
      }
    };
    await check('start');
    if (options.includes('large')) await assertAccessible(page, `kiosk start, low reach and large text at ${viewport.width}`);
    await tap(page.locator('#appointment-start'));
    await page.locator('#screen-appointment').waitFor({ state: 'visible' });
    if (viewport.height > viewport.width) await check('appointment'); // landscape: the keypad takes the height
    await tap(page.locator('#screen-appointment [data-action="start"]'));
    await tap(page.locator('#languages button[lang="en"]'));
    await page.locator('#screen-category').waitFor({ state: 'visible' });
    await check('categories');
    await tap(page.locator('#categories button').first());
    await page.locator('#screen-service').waitFor({ state: 'visible' });
    await check('services');
    await tap(page.locator('#services button').first());
    if (await page.locator('#screen-priority').isVisible()) {
      await check('priority');
      await tap(page.locator('#priority-no'));
    }
    await page.locator('#screen-ticket').waitFor({ state: 'visible' });
    await check('ticket');
    await context.close();
  }
});

test('high contrast and large text, with no axe violation', async () => {
  const { page, context } = await openKiosk();
  const normal = await page.locator('#start-title').evaluate((h) => parseFloat(getComputedStyle(h).fontSize));
  await option(page, 'contrast');
  await option(page, 'large');
  const colours = await page.evaluate(() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]);
  assert.deepEqual(colours, ['rgb(0, 0, 0)', 'rgb(255, 255, 255)']);
  const large = await page.locator('#start-title').evaluate((h) => parseFloat(getComputedStyle(h).fontSize));
  assert.ok(large >= normal * 1.2, `${normal} -> ${large}`);
  // No option's label is cut off, in any language of the office.
  for (const lang of ['en', 'da', 'pl']) {
    await page.evaluate((l) => { document.querySelector(`#languages button[lang="${l}"]`).click(); }, lang).catch(() => {});
    const clipped = await page.evaluate(() => Array.from(document.querySelectorAll('.a11y-option, #a11y-toggle'))
      .filter((b) => b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1).map((b) => b.textContent));
    assert.deepEqual(clipped, [], `clipped labels in ${lang}`);
    await page.evaluate(() => document.querySelector('.screen:not([hidden]) [data-action="start"], #service-back')?.click());
    await page.locator('#screen-start').waitFor({ state: 'visible' });
  }
  await assertAccessible(page, 'kiosk start, high contrast and large text');
  await tap(page.locator('#languages button[lang="da"]'));
  await page.locator('#screen-category').waitFor({ state: 'visible' });
  await assertAccessible(page, 'kiosk categories, high contrast and large text');
  await option(page, 'low');
  await assertAccessible(page, 'kiosk categories, every option');
  // README: the kiosk with every option on (docs/kiosk-accessibility.png).
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, 'kiosk-accessibility.png');
  await page.screenshot({ path: file });
  copyFileSync(file, path.resolve(screenshotDir, '..', '..', 'docs', 'kiosk-accessibility.png'));
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a visitor who walks away leaves the options off for the next one', async () => {
  const { page, context } = await openKiosk(PORTRAIT, '&idle=2');
  await option(page, 'contrast');
  await option(page, 'speech');
  assert.equal(await page.evaluate(() => document.body.classList.contains('a11y-contrast')), true);
  await page.waitForFunction(() => !document.body.classList.contains('a11y-contrast'), null, { timeout: 6000 });
  assert.equal(await page.locator('.a11y-option[data-option="speech"]').getAttribute('aria-pressed'), 'false');
  assert.equal(await page.locator('#a11y-panel').isHidden(), true);
  await context.close();
});
