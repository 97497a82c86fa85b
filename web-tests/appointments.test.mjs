// Appointments in headless Chromium against the real server with the demo
// office: a visitor books a slot on the public booking page (/book/), sees
// the confirmation code and QR code, and cancels another booking from its
// page; at the kiosk, "I have an appointment" with the code typed (or the
// booking address scanned) gives an appointment ticket, once; the clerk
// console and the manager console list the day's appointments.
// Screenshots: book-confirmation.png, kiosk-check-in.png and
// kiosk-appointment.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DemoServer, launchBrowser, screenshotDir } from './lib/server.mjs';

/** See kiosk.test.mjs: the kiosk drops taps right after a screen change. */
const TAP_PAUSE_MS = 500;
/** Passports (A) in the demo office; desks 1, 2 and 4 serve it. */
const PASSPORTS = 1;

let server;
let browser;
let manager;
let info;

const everyDay = () => {
  const day = [['00:00', '23:59']];
  return { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day };
};

function nextDay(day) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

before(async () => {
  server = await DemoServer.start();
  browser = await launchBrowser();
  manager = await server.login('manager');
  let r = await server.api(manager, 'PATCH', '/api/v1/branches/1', { appointments: { opening_hours: everyDay() } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // 5-minute slots, so that today always has a slot starting soon.
  r = await server.api(manager, 'PATCH', `/api/v1/services/${PASSPORTS}`, { appointments_enabled: true, slot_length_s: 300, walk_in_share: 0 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await server.api(null, 'GET', '/api/v1/public/branches/1/booking');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  info = r.body;
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function openPage(url, viewport = { width: 420, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.base}${url}`);
  return { page, context, errors };
}

async function tap(locator) {
  await locator.page().waitForTimeout(TAP_PAUSE_MS);
  await locator.click();
}

/** Books today's next slot through the API, as the booking page would. */
async function bookToday() {
  const r = await server.api(null, 'GET', `/api/v1/public/branches/1/slots?service_id=${PASSPORTS}&day=${info.today}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const slot = r.body.find((s) => s.available > 0);
  assert.ok(slot, 'a free slot today');
  const b = await server.api(null, 'POST', '/api/v1/public/branches/1/appointments', { service_id: PASSPORTS, start: slot.start });
  assert.equal(b.status, 201, JSON.stringify(b.body));
  return b.body;
}

test('booking page: service, day, free times, contact, confirmation with code and QR', async () => {
  const { page, context, errors } = await openPage('/book/?branch=1');
  await page.locator('#booking').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#office').textContent(), 'Demo City Hall');
  // Only the bookable service is offered.
  assert.equal(await page.locator('#services input').count(), 1);
  await page.locator('#services label', { hasText: 'Passports' }).click();
  const tomorrow = nextDay(info.today);
  await page.locator('#day').fill(tomorrow);
  await page.locator('#find').click();
  await page.locator('#times').waitFor({ state: 'visible' });
  const times = await page.locator('#slots button').allTextContents();
  assert.equal(times[0], '00:00');
  assert.equal(times[1], '00:05');
  await page.locator('#slots button', { hasText: '09:00' }).click();
  assert.equal(await page.locator('#chosen').textContent(), `Passports, ${tomorrow} 09:00`);
  await page.locator('#phone').fill('+48 600 100 200');
  await page.locator('#book').click();
  await page.locator('#confirmation').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#status').textContent(), 'Booked');
  assert.equal(await page.locator('#c-time').textContent(), '09:00');
  assert.equal(await page.locator('#c-date').textContent(), tomorrow);
  const code = await page.locator('#c-code').getAttribute('data-code');
  assert.match(code, /^[2-9A-HJKMNP-Z]{8}$/);
  assert.equal(await page.locator('#c-code').textContent(), `${code.slice(0, 4)}-${code.slice(4)}`);
  assert.equal(new URL(page.url()).search, `?code=${code}`);
  await page.waitForFunction(() => {
    const img = document.getElementById('qr');
    return img.complete && img.naturalWidth > 0;
  });
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, 'book-confirmation.png'), fullPage: true });

  // The booking is stored with the contact phone, for staff only.
  const list = await server.api(manager, 'GET', `/api/v1/branches/1/appointments?day=${tomorrow}`);
  const row = list.body.find((a) => a.code === code);
  assert.equal(row.contact_phone, '+48600100200');
  assert.equal(row.time, '09:00');

  // The slot is taken by all three desks' places once two more book it.
  for (let i = 0; i < 2; i++) {
    const r = await server.api(null, 'POST', '/api/v1/public/branches/1/appointments', { service_id: PASSPORTS, start: row.slot_start });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  await page.goto(`${server.base}/book/?branch=1`);
  await page.locator('#services label', { hasText: 'Passports' }).click();
  await page.locator('#day').fill(tomorrow);
  await page.locator('#find').click();
  await page.locator('#times').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#slots button', { hasText: '09:00' }).isDisabled(), true);
  assert.equal(await page.locator('#slots button', { hasText: '09:05' }).isDisabled(), false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('booking page: a booking opened by its code is cancelled', async () => {
  const booking = await bookToday();
  const { page, context, errors } = await openPage(`/book/?code=${booking.code}`);
  await page.locator('#confirmation').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#status').textContent(), 'Booked');
  page.once('dialog', (d) => d.accept());
  await page.locator('#cancel').click();
  await page.locator('#status[data-status="cancelled"]').waitFor();
  assert.equal(await page.locator('#status').textContent(), 'Cancelled');
  assert.equal(await page.locator('#cancel').isHidden(), true);
  const r = await server.api(null, 'GET', `/api/v1/public/appointments/${booking.code}`);
  assert.equal(r.body.status, 'cancelled');

  const missing = await openPage('/book/?code=ZZZZZZZZ');
  await missing.page.locator('#problem').waitFor({ state: 'visible' });
  assert.match(await missing.page.locator('#problem').textContent(), /does not exist/);
  await missing.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('kiosk check-in: typed code gives an appointment ticket; scanning again shows the same ticket', async () => {
  // Without a bookable service the kiosk does not offer check-in.
  let r = await server.api(manager, 'PATCH', `/api/v1/services/${PASSPORTS}`, { appointments_enabled: false });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const plain = await openPage(`/kiosk/?token=${server.kioskToken}`, { width: 1080, height: 1920 });
  await plain.page.locator('#screen-start').waitFor({ state: 'visible' });
  assert.equal(await plain.page.locator('#appointment-start').isVisible(), false);
  await plain.context.close();
  r = await server.api(manager, 'PATCH', `/api/v1/services/${PASSPORTS}`, { appointments_enabled: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));

  const booking = await bookToday();
  const { page, context, errors } = await openPage(`/kiosk/?token=${server.kioskToken}`, { width: 1080, height: 1920 });
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  await tap(page.locator('#appointment-start'));
  await page.locator('#screen-appointment').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#appointment-title').textContent(), 'Check in for your appointment');
  // The field has the focus, as a scanner needs; the visitor types the code
  // in lower case with the dash of the confirmation.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'appointment-code');
  const typed = `${booking.code.slice(0, 4)}-${booking.code.slice(4)}`.toLowerCase();
  await page.keyboard.type(typed);
  await page.keyboard.press('Enter');
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  const number = (await page.locator('#ticket-number').textContent()).trim();
  assert.match(number, /^A\d{3}$/);
  assert.equal(await page.locator('#ticket-service').textContent(), 'Passports');
  assert.equal(await page.locator('#ticket-appointment').isVisible(), true);
  assert.equal(await page.locator('#ticket-appointment').textContent(), `Appointment ${booking.time}`);
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, 'kiosk-appointment.png') });

  const ticket = await server.api(manager, 'GET', '/api/v1/branches/1/queue');
  const entry = ticket.body.waiting.find((w) => w.number === number);
  assert.equal(entry.priority, 'appointment');
  assert.equal(entry.queued_at, booking.slot_start);

  // Scanned again (the scanner types the booking address and Enter): the
  // same ticket, no second one.
  await tap(page.locator('#ticket-done'));
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  await tap(page.locator('#appointment-start'));
  await page.locator('#screen-appointment').waitFor({ state: 'visible' });
  await page.keyboard.type(booking.page_url);
  await page.keyboard.press('Enter');
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  assert.equal((await page.locator('#ticket-number').textContent()).trim(), number);
  const after = await server.api(manager, 'GET', '/api/v1/branches/1/queue');
  assert.equal(after.body.waiting.filter((w) => w.priority === 'appointment').length, 1);

  // Typed on the on-screen keys (a touch kiosk has no keyboard), with a
  // slip corrected by the delete key: the same ticket again.
  await tap(page.locator('#ticket-done'));
  await tap(page.locator('#appointment-start'));
  await page.locator('#screen-appointment').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#code-keys .key').count(), 32);
  await page.locator('#code-keys [data-key="Z"]').click();
  await page.locator('#code-keys [data-key="delete"]').click();
  for (const ch of booking.code) await page.locator(`#code-keys [data-key="${ch}"]`).click();
  assert.equal(await page.locator('#appointment-code').inputValue(), booking.code);
  await page.screenshot({ path: path.join(screenshotDir, 'kiosk-check-in.png') });
  await page.locator('#appointment-submit').click();
  await page.locator('#screen-ticket').waitFor({ state: 'visible' });
  assert.equal((await page.locator('#ticket-number').textContent()).trim(), number);

  // A wrong code is explained, and the kiosk goes back to the start.
  await tap(page.locator('#ticket-done'));
  await tap(page.locator('#appointment-start'));
  await page.locator('#screen-appointment').waitFor({ state: 'visible' });
  await page.keyboard.type('ZZZZ-ZZZZ');
  await page.keyboard.press('Enter');
  await page.locator('#screen-error').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#error-title').textContent(), 'Sorry, we could not check you in');
  assert.match(await page.locator('#error-text').textContent(), /No appointment was found with this code/);
  await tap(page.locator('#screen-error [data-action="start"]'));
  await page.locator('#screen-start').waitFor({ state: 'visible' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('clerk and manager consoles list the day\'s appointments', async () => {
  const booking = await bookToday();
  const { page, context, errors } = await openPage('/clerk/', { width: 1400, height: 900 });
  await page.getByLabel('User name').fill('clerk1');
  await page.getByLabel('Password').fill('waitwell-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#desk-select').selectOption('1');
  await page.getByRole('button', { name: 'Use this desk' }).click();
  await page.locator('#conn[data-status="live"]').waitFor();
  const item = page.locator(`#appointments-list li[data-code="${booking.code}"]`);
  await item.waitFor();
  assert.match(await item.textContent(), new RegExp(`${booking.time} A Passports booked`));

  // A check-in shows up live (appointment.checked_in event).
  const r = await server.api(server.kioskToken, 'POST', '/api/v1/branches/1/appointments/check-in', { code: booking.code });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await page.waitForFunction((code) => {
    const li = document.querySelector(`#appointments-list li[data-code="${code}"]`);
    return li && li.dataset.status === 'checked_in';
  }, booking.code);
  assert.match(await item.textContent(), new RegExp(`checked in · ${r.body.ticket.number}`));
  assert.equal(await item.locator('button').count(), 0);

  // A visitor who came to the desk instead of the kiosk: the clerk checks
  // them in from the list.
  const second = await bookToday();
  const row2 = page.locator(`#appointments-list li[data-code="${second.code}"]`);
  await row2.waitFor();
  await row2.getByRole('button', { name: `Check in the ${second.time} appointment` }).click();
  await page.waitForFunction((code) => {
    const li = document.querySelector(`#appointments-list li[data-code="${code}"]`);
    return li && li.dataset.status === 'checked_in';
  }, second.code);
  assert.match(await page.locator('#notice').textContent(), /appointment checked in: A\d{3}\./);
  const v = await server.api(null, 'GET', `/api/v1/public/appointments/${second.code}`);
  assert.equal(v.body.status, 'checked_in');
  await context.close();

  const m = await openPage('/manager/', { width: 1400, height: 900 });
  await m.page.getByLabel('User name').fill('manager');
  await m.page.getByLabel('Password', { exact: true }).fill('waitwell-demo');
  await m.page.getByRole('button', { name: 'Sign in' }).click();
  await m.page.locator('#console').waitFor({ state: 'visible' });
  await m.page.locator('#tab-appointments').click();
  const row = m.page.locator(`#appt-body tr[data-code="${booking.code}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /checked in/);
  // The opening hours set through the API are shown for editing, and a
  // change is saved through the console.
  assert.equal(await m.page.locator('#appt-hours-mon').inputValue(), '00:00-23:59');
  await m.page.locator('#appt-grace').fill('15');
  await m.page.locator('#appt-hours-form button[type="submit"]').click();
  await m.page.waitForFunction(() => document.getElementById('notice').textContent.includes('Opening hours saved'));
  const b = await server.api(manager, 'GET', '/api/v1/branches/1');
  assert.equal(b.body.appointments.grace_s, 900);
  assert.deepEqual(b.body.appointments.opening_hours.sun, [['00:00', '23:59']]);
  assert.deepEqual(m.errors, []);
  assert.deepEqual(errors, []);
  await m.context.close();
});
