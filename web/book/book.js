// The public booking page, no sign-in.
//
// /book/?branch=ID: the visitor picks a bookable service and a day, sees the
// free times (GET /api/v1/public/branches/{id}/slots, full ones shown
// crossed out), picks one, optionally leaves a phone number or e-mail
// address, and books (POST /api/v1/public/branches/{id}/appointments). The
// answer carries the confirmation code, which the page then shows with its
// QR code. Someone else may take the last place in between: the server
// answers 409 and the page reloads the times.
//
// /book/?code=CODE (the QR code's address): the booking, its status and a
// button to cancel it while it is not checked in.
//
// Times are shown as the office's local times, as the server lists them:
// a visitor booking from abroad books the office's 09:00.
//
// Texts are i18n/<lang>/book.ftl (web/common/i18n.js) in the office's
// languages: the browser's language when the office offers it (or the
// booking's own language), else the office's first; a switcher in the bar
// changes it. Server refusals are shown by their status in the visitor's
// language, never as the server's English message.

import { api, ApiError } from '/common/api.js';
import { $, el, storageGet, storageSet } from '/common/dom.js';
import { Translator, renderLanguageButtons } from '/common/i18n.js';

const params = new URLSearchParams(location.search);
const LANG_KEY = 'waitwell.ticket.lang';
const texts = new Translator('book');

const state = { info: null, service: null, slot: null, booking: null, languages: [], lang: 'en' };

function t(id, vars) {
  return texts.t(id, vars, state.lang) || '';
}

/** The language this visitor chose last time, as a list (maybe empty). */
function remembered() {
  const lang = storageGet(LANG_KEY);
  return lang ? [lang] : [];
}

/** Loads the office's languages, picks one and shows the switcher. */
async function setLanguages(offered, preferred) {
  for (const l of ['en'].concat(offered)) {
    try { await texts.load(l); } catch (e) { /* offline: English stays */ }
  }
  state.languages = texts.usable(offered);
  const browser = (navigator.language || 'en').split('-')[0];
  const wanted = [storageGet(LANG_KEY), preferred, browser].find((l) => l && state.languages.includes(l));
  state.lang = wanted || state.languages[0] || 'en';
  renderLanguages();
  applyTexts();
}

function renderLanguages() {
  renderLanguageButtons($('languages'), texts, state.languages, state.lang, (lang) => {
    state.lang = lang;
    storageSet(LANG_KEY, lang);
    renderLanguages();
    applyTexts();
    rerender();
  });
}

function applyTexts() {
  texts.lang = state.lang;
  texts.apply();
  document.title = `${t('page-title')} – Waitwell`;
}

/** Texts the page wrote itself, again in the new language. */
function rerender() {
  if (state.booking) renderBooking(state.booking);
  else if (state.info) {
    renderServices();
    if (!$('times').hidden) findTimes();
  }
}

/** The visitor's words for a failure. */
function failure(e) {
  if (!(e instanceof ApiError)) return t('offline');
  if (e.status === 404) return t('not-found');
  if (e.status === 409) return t('slot-taken');
  return t('failed');
}

function showOnly(id) {
  for (const s of ['loading', 'booking', 'confirmation']) $(s).hidden = s !== id;
}

function problem(text) {
  $('problem').textContent = text || '';
  $('problem').hidden = !text;
}

function serviceName(s) {
  return (s.names && s.names[state.lang]) || s.name;
}

function formatCode(code) {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

// ---------- booking ----------

async function startBooking(branchId) {
  const info = await api(null, 'GET', `/api/v1/public/branches/${encodeURIComponent(branchId)}/booking`);
  state.info = info;
  await setLanguages(info.languages || [], null);
  $('office').textContent = info.branch_name;
  renderServices();
  $('no-services').hidden = info.services.length > 0;
  $('find').disabled = info.services.length === 0;
  $('day').min = info.today;
  $('day').max = info.last_day;
  $('day').value = info.today;
  showOnly('booking');
}

function renderServices() {
  const chosen = document.querySelector('input[name="service"]:checked');
  const keep = chosen ? chosen.value : null;
  const box = $('services');
  box.replaceChildren();
  for (const s of state.info.services) {
    const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'service', value: String(s.id), required: true });
    input.dataset.code = s.code;
    input.checked = String(s.id) === keep;
    const label = document.createElement('label');
    label.append(input, document.createTextNode(serviceName(s)));
    box.append(label);
  }
}

async function findTimes() {
  problem('');
  const checked = document.querySelector('input[name="service"]:checked');
  if (!checked) return;
  state.service = state.info.services.find((s) => String(s.id) === checked.value);
  state.slot = null;
  $('book-form').hidden = true;
  const day = $('day').value;
  let slots;
  try {
    slots = await api(null, 'GET', `/api/v1/public/branches/${state.info.branch_id}/slots?service_id=${state.service.id}&day=${encodeURIComponent(day)}`);
  } catch (e) {
    problem(failure(e));
    $('times').hidden = true;
    return;
  }
  const box = $('slots');
  box.replaceChildren();
  for (const slot of slots) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: slot.time });
    b.dataset.start = String(slot.start);
    b.setAttribute('aria-pressed', 'false');
    if (slot.available <= 0) {
      b.disabled = true;
      b.setAttribute('aria-label', t('fully-booked', { time: slot.time }));
    }
    b.addEventListener('click', () => chooseSlot(slot, b, day));
    box.append(b);
  }
  $('no-slots').hidden = slots.some((s) => s.available > 0);
  $('times').hidden = false;
}

function chooseSlot(slot, button, day) {
  state.slot = slot;
  for (const b of $('slots').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === button));
  $('chosen').textContent = `${serviceName(state.service)}, ${day} ${slot.time}`;
  $('book-form').hidden = false;
  $('phone').focus();
}

async function bookSlot() {
  problem('');
  const body = { service_id: state.service.id, start: state.slot.start };
  if (state.info.languages.includes(state.lang)) body.language = state.lang;
  const phone = $('phone').value.trim();
  const email = $('email').value.trim();
  if (phone) body.contact_phone = phone;
  if (email) body.contact_email = email;
  $('book').disabled = true;
  try {
    const booking = await api(null, 'POST', `/api/v1/public/branches/${state.info.branch_id}/appointments`, body);
    history.replaceState(null, '', `/book/?code=${booking.code}`);
    renderBooking(booking);
  } catch (e) {
    const text = failure(e);
    if (e.status === 409) await findTimes();
    problem(text);
  } finally {
    $('book').disabled = false;
  }
}

// ---------- one booking ----------

function renderBooking(b) {
  state.booking = b;
  $('office').textContent = b.branch_name;
  $('status').textContent = t(`status-${b.status}`) || b.status;
  $('status').dataset.status = b.status;
  $('c-service').textContent = b.service_name;
  $('c-date').textContent = b.date;
  $('c-time').textContent = b.time;
  $('c-code').textContent = formatCode(b.code);
  $('c-code').dataset.code = b.code;
  const ticket = b.ticket_number;
  $('c-ticket-label').hidden = !ticket;
  $('c-ticket').hidden = !ticket;
  $('c-ticket').replaceChildren();
  if (ticket) {
    const a = Object.assign(document.createElement('a'), { href: b.ticket_url, textContent: ticket });
    $('c-ticket').append(a);
  }
  $('qr').src = `/api/v1/public/appointments/${encodeURIComponent(b.code)}/qr.svg`;
  $('page-link').href = b.page_url;
  $('cancel').hidden = b.status !== 'booked';
  if ($('confirmation').hidden) {
    showOnly('confirmation');
    $('confirmation-title').focus();
  }
}

async function cancelBooking() {
  if (!state.booking) return;
  if (!window.confirm(t('cancel-confirm'))) return;
  problem('');
  try {
    renderBooking(await api(null, 'POST', `/api/v1/public/appointments/${encodeURIComponent(state.booking.code)}/cancel`));
  } catch (e) {
    problem(failure(e));
  }
}

// ---------- start ----------

async function start() {
  $('find-form').addEventListener('submit', (e) => { e.preventDefault(); findTimes(); });
  $('book-form').addEventListener('submit', (e) => { e.preventDefault(); bookSlot(); });
  $('cancel').addEventListener('click', cancelBooking);
  try {
    const code = params.get('code');
    const branch = params.get('branch');
    if (code) {
      const booking = await api(null, 'GET', `/api/v1/public/appointments/${encodeURIComponent(code)}`);
      await setLanguages(booking.languages || [], booking.language);
      renderBooking(booking);
    } else if (branch) {
      await startBooking(branch);
    } else {
      await setLanguages(remembered(), null);
      showOnly(null);
      problem(t('no-branch'));
    }
  } catch (e) {
    // No office to offer its languages: the visitor's last choice.
    await setLanguages(remembered(), null).catch(() => {});
    showOnly(null);
    problem(failure(e));
  }
}

start();
