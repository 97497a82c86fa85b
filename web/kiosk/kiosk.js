// The kiosk's touch page: the visitor picks a language, a service (grouped
// in categories when the branch has several), says whether they need
// priority assistance (where the service allows it), and gets a ticket:
// its number, the people ahead, the estimated wait and a QR code to the
// public ticket page. The kiosk agent beside the printer prints the ticket;
// this page never prints.
//
// Exactly one ticket per visitor interaction, however the network or the
// visitor's fingers behave: the first issue attempt of an interaction draws
// a random Idempotency-Key, every retry (automatic after a network error, or
// the visitor's "Try again") sends the same key, and the server answers a
// repeated key with the ticket it already issued. A second tap while a
// request is under way is ignored, and taps that land in the first moments
// of a new screen (the second half of a double tap) are dropped.
//
// The page is a closed world: no links out, no context menu, no drag, the
// browser's back gesture is trapped, and when nobody touches the screen the
// page returns to the start screen (60 s; 20 s on the ticket screen; `?idle=N`
// sets both to N seconds, for tests and demonstrations).
//
// A visitor with an appointment touches "I have an appointment" and types
// the code from the booking confirmation, or holds its QR code to the
// kiosk's scanner (a keyboard wedge that types the booking page address and
// Enter into the focused field). POST /api/v1/branches/{id}/appointments/
// check-in answers with the ticket, shown like any other; checking in twice
// shows the same ticket again, so a retry after a network error is safe
// without an Idempotency-Key.
//
// Opened once as /kiosk/?token=<kiosk device token>; the token is kept in
// localStorage (web/common/device.js), so later /kiosk/ is enough.
//
// Texts come from web/kiosk/i18n/{lang}.ftl, formatted by the server
// (GET /api/v1/i18n/kiosk/{lang}?ahead=N&wait_min=M) so plural forms are
// right in every language without a Fluent parser here.

import { api, ApiError } from '/common/api.js';
import { $, el } from '/common/dom.js';
import { deviceToken, deviceIdentity } from '/common/device.js';

const TOKEN_KEY = 'waitwell.kiosk.token';
const params = new URLSearchParams(location.search);
const idleOverride = Number(params.get('idle'));
/** Back to the start screen after this long untouched. */
const IDLE_MS = idleOverride > 0 ? idleOverride * 1000 : 60 * 1000;
/** ... and this long on the ticket screen. */
const RESULT_IDLE_MS = idleOverride > 0 ? idleOverride * 1000 : 20 * 1000;
/** Taps this soon after a screen change are the tail of a double tap. */
const TAP_GUARD_MS = 450;
/** Automatic retries of an issue request after network errors. */
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000];
/** Branch and services are re-read this often (on the start screen). */
const REFRESH_MS = 5 * 60 * 1000;

const state = {
  token: null,
  branch: null,
  services: [],
  loadedAt: 0,
  messages: new Map(), // lang -> {id: text}
  lang: 'en',
  screen: 'loading',
  shownAt: 0,
  category: null, // chosen category, or null when there is one only
  service: null, // chosen service
  key: null, // Idempotency-Key of this interaction
  issuing: false,
  lastRequest: null, // {service_id, priority, language} for "Try again"
  idleTimer: null,
};

// ---------- texts ----------

function msg(id, lang = state.lang) {
  const own = state.messages.get(lang);
  if (own && own[id] !== undefined) return own[id];
  const en = state.messages.get('en');
  return en && en[id] !== undefined ? en[id] : null;
}

function applyTexts() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const text = msg(el.dataset.i18n);
    if (text !== null) el.textContent = text;
  }
}

async function fetchMessages(lang, args) {
  const query = args ? '?' + new URLSearchParams(args).toString() : '';
  const res = await fetch(`/api/v1/i18n/kiosk/${encodeURIComponent(lang)}${query}`);
  if (!res.ok) return null;
  return res.json();
}

/** The branch's languages that have a translation file (English if none). */
function languages() {
  const offered = (state.branch && state.branch.languages) || [];
  const usable = offered.filter((l) => state.messages.has(l));
  return usable.length ? usable : ['en'];
}

// ---------- screens ----------

function show(name) {
  for (const s of document.querySelectorAll('.screen')) s.hidden = s.id !== `screen-${name}`;
  const changed = state.screen !== name;
  state.screen = name;
  if (changed) {
    state.shownAt = performance.now();
    const heading = document.querySelector(`#screen-${name} h1`);
    if (heading) heading.focus({ preventScroll: true });
  }
  armIdle();
}

function armIdle() {
  clearTimeout(state.idleTimer);
  const passive = ['start', 'loading', 'setup', 'issuing', 'checking'];
  if (passive.includes(state.screen)) {
    // The start screen goes back to the branch's first language.
    if (state.screen === 'start' && state.lang !== languages()[0]) {
      state.idleTimer = setTimeout(() => { state.lang = languages()[0]; renderStart(); }, IDLE_MS);
    }
    return;
  }
  const ms = state.screen === 'ticket' ? RESULT_IDLE_MS : IDLE_MS;
  state.idleTimer = setTimeout(goStart, ms);
}

/** Ends the interaction: a new visitor starts from scratch. */
function goStart() {
  state.key = null;
  state.issuing = false;
  state.lastRequest = null;
  state.category = null;
  state.service = null;
  state.lang = languages()[0];
  if (Date.now() - state.loadedAt > REFRESH_MS) load().catch(() => {});
  renderStart();
}

function renderStart() {
  applyTexts();
  $('office').textContent = state.branch ? state.branch.name : '';
  const box = $('languages');
  box.replaceChildren();
  for (const lang of languages()) {
    const b = el('button', { type: 'button', class: 'choice language', lang },
      el('span', { class: 'label' }, msg('language-name', lang) || lang),
      el('span', { class: 'sub' }, msg('welcome', lang) || ''));
    b.addEventListener('click', guarded(() => chooseLanguage(lang)));
    box.append(b);
  }
  const message = state.branch && state.branch.kiosk_message;
  $('kiosk-message').hidden = !message;
  $('kiosk-message').textContent = message || '';
  // Only where something can be booked.
  $('appointment-nav').hidden = !state.services.some((s) => s.appointments_enabled);
  show('start');
}

function serviceName(s) {
  return (s.names && s.names[state.lang]) || s.name;
}

function categories() {
  const out = [];
  for (const s of state.services) if (!out.includes(s.category)) out.push(s.category);
  return out;
}

function chooseLanguage(lang) {
  state.lang = lang;
  applyTexts();
  if (categories().length > 1) renderCategories();
  else { state.category = null; renderServices(); }
}

function renderCategories() {
  const box = $('categories');
  box.replaceChildren();
  for (const c of categories()) {
    const names = state.services.filter((s) => s.category === c).map(serviceName);
    const b = el('button', { type: 'button', class: 'choice category' },
      el('span', { class: 'label' }, c || names[0] || ''),
      el('span', { class: 'sub' }, names.join(', ')));
    b.addEventListener('click', guarded(() => { state.category = c; renderServices(); }));
    box.append(b);
  }
  show('category');
}

function renderServices() {
  const list = state.services.filter((s) => state.category === null || s.category === state.category);
  const box = $('services');
  box.replaceChildren();
  for (const s of list) {
    const b = el('button', { type: 'button', class: 'choice service', 'data-code': s.code },
      el('span', { class: 'code', 'aria-hidden': 'true' }, s.code),
      el('span', { class: 'label' }, serviceName(s)));
    b.addEventListener('click', guarded(() => chooseService(s)));
    box.append(b);
  }
  $('no-services').hidden = list.length > 0;
  show('service');
}

function chooseService(s) {
  state.service = s;
  if (s.priority_allowed) show('priority');
  else issue('normal');
}

/** A click handler that ignores the tail of a double tap on a new screen. */
function guarded(fn) {
  return (event) => {
    // Keyboard activation (detail 0) is always deliberate.
    if (event && event.detail !== 0 && performance.now() - state.shownAt < TAP_GUARD_MS) return;
    fn(event);
  };
}

// ---------- issuing ----------

function newKey() {
  // getRandomValues works on plain http too (randomUUID needs a secure
  // context, and kiosks often reach the server by a LAN address).
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return 'kiosk-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class RetryableError extends Error {}

/** One POST: no answer, a server error, a timeout or a rate limit is a
 *  RetryableError; any other refusal an ApiError. */
async function postOnce(path, body, headers) {
  let result;
  try {
    result = await api(state.token, 'POST', path, body, headers);
  } catch (e) {
    if (e instanceof ApiError && e.status < 500 && e.status !== 408 && e.status !== 429) throw e;
    throw new RetryableError(e.message);
  }
  if (!result) throw new RetryableError('empty answer');
  return result;
}

/** A POST retried after RETRY_DELAYS_MS while it fails for a retryable
 *  reason, saying so on the screen. */
async function postRetried(path, body, headers) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await postOnce(path, body, headers);
    } catch (e) {
      if (!(e instanceof RetryableError) || attempt >= RETRY_DELAYS_MS.length) throw e;
      $('retrying').textContent = msg('retrying') || '';
      await sleep(RETRY_DELAYS_MS[attempt]);
    }
  }
}

async function issue(priority) {
  if (state.issuing) return;
  state.issuing = true;
  if (!state.key) state.key = newKey();
  state.lastRequest = state.lastRequest || { service_id: state.service.id, priority, language: state.lang };
  const request = state.lastRequest;
  $('retrying').textContent = '';
  show('issuing');
  try {
    const ticket = await postRetried(`/api/v1/branches/${state.branch.id}/tickets`, request, { 'idempotency-key': state.key });
    await renderTicket(ticket);
  } catch (e) {
    renderError(e);
  } finally {
    state.issuing = false;
  }
}

function renderError(e) {
  const network = e instanceof RetryableError;
  $('error-text').textContent = network ? msg('error-network') || '' : e.message;
  // "Try again" re-sends the same request with the same key; a request the
  // server refused (e.g. the service was just closed) starts over instead.
  $('error-retry').hidden = !network;
  if (!network) { state.key = null; state.lastRequest = null; }
  show('error');
}

async function renderTicket(t, checkIn = null) {
  const ahead = t.position || 0;
  const waitMin = Math.ceil((t.estimated_wait_s || 0) / 60);
  let texts = null;
  const range = t.predicted_range_s;
  const lowMin = range ? Math.floor(range[0] / 60) : 0;
  const highMin = range ? Math.max(Math.ceil(range[1] / 60), lowMin + 1) : 0;
  try {
    texts = await fetchMessages(state.lang, { ahead, wait_min: waitMin, low_min: lowMin, high_min: highMin });
  } catch (e) { texts = null; }
  // The predicted range ("15–25 minutes"); no number when no desk serves
  // the queue; the simple estimate when the visitor is next anyway.
  const waitKey = t.no_open_desk ? 'no-desk' : range && range[1] > 0 ? 'wait-range' : 'wait';
  const service = state.services.find((s) => s.id === t.service_id) || state.service;
  $('ticket-number').textContent = t.number;
  $('ticket-service').textContent = service ? serviceName(service) : '';
  $('ticket-priority').hidden = t.priority !== 'priority';
  const mark = $('ticket-appointment');
  mark.hidden = !checkIn;
  if (checkIn) {
    mark.textContent = checkIn.outcome === 'walk_in'
      ? msg('appointment-late') || ''
      : `${msg('appointment-mark') || ''} ${checkIn.appointment.time}`;
  }
  $('ticket-ahead').textContent = texts ? texts.ahead : String(ahead);
  $('ticket-wait').textContent = texts ? texts[waitKey] : `${waitMin} min`;
  const img = $('ticket-qr');
  img.src = `/api/v1/public/tickets/${encodeURIComponent(t.public_token)}/qr.svg`;
  $('ticket-url').textContent = `${location.origin}/ticket/?t=${t.public_token}`;
  applyTexts();
  if (checkIn) $('ticket-appointment').dataset.outcome = checkIn.outcome;
  show('ticket');
}

// ---------- appointments ----------

/** The confirmation code's alphabet (server/src/appointments.rs). */
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** The on-screen keys: the alphabet and a delete key. */
function renderCodeKeys() {
  const box = $('code-keys');
  if (box.childElementCount) return;
  for (const ch of CODE_ALPHABET) {
    const b = el('button', { type: 'button', class: 'key', 'data-key': ch }, ch);
    b.addEventListener('click', () => typeKey(ch));
    box.append(b);
  }
  const del = el('button', { type: 'button', class: 'key delete', 'data-key': 'delete', 'aria-label': 'Delete' }, '\u232B');
  del.addEventListener('click', () => typeKey(null));
  box.append(del);
}

/** A key of the on-screen keypad: one character more, or one less. */
function typeKey(ch) {
  const input = $('appointment-code');
  input.value = ch === null ? input.value.slice(0, -1) : input.value + ch;
  // The focus stays in the field, where a scanner types.
  input.focus({ preventScroll: true });
}

function renderAppointment() {
  applyTexts();
  $('appointment-code').value = '';
  renderCodeKeys();
  show('appointment');
  // The scanner types into the focused field; the heading took the focus
  // for screen readers, the field takes it right after.
  $('appointment-code').focus({ preventScroll: true });
}

async function checkIn(code) {
  if (state.issuing || !code.trim()) return;
  state.issuing = true;
  $('issuing-title').textContent = msg('checking-in') || '';
  $('retrying').textContent = '';
  show('issuing');
  try {
    const result = await postRetried(`/api/v1/branches/${state.branch.id}/appointments/check-in`, { code, language: state.lang });
    await renderTicket(result.ticket, result);
  } catch (e) {
    $('error-title').textContent = msg('check-in-error') || '';
    renderError(e);
    $('error-retry').hidden = true;
  } finally {
    state.issuing = false;
  }
}

// ---------- loading ----------

async function load() {
  const me = await deviceIdentity(state.token, 'kiosk');
  const [branch, services] = await Promise.all([
    api(state.token, 'GET', `/api/v1/branches/${me.branch_id}`),
    api(state.token, 'GET', `/api/v1/branches/${me.branch_id}/services`),
  ]);
  const list = Array.isArray(services) ? services : services.items || [];
  const wanted = ['en'].concat(branch.languages || []);
  for (const lang of wanted) {
    if (state.messages.has(lang)) continue;
    const m = await fetchMessages(lang);
    if (m) state.messages.set(lang, m);
  }
  state.branch = branch;
  state.services = list.filter((s) => s.active);
  state.loadedAt = Date.now();
}

async function start() {
  state.token = deviceToken(TOKEN_KEY);
  // The back gesture finds one more page of ours (see popstate in wire()).
  history.pushState({ kiosk: true }, '', location.href);
  try {
    const en = await fetchMessages('en');
    if (en) state.messages.set('en', en);
  } catch (e) { /* texts stay as in the HTML */ }
  if (!state.token) { applyTexts(); show('setup'); return; }
  for (let delay = 2000; ; delay = Math.min(delay * 2, 30000)) {
    try {
      await load();
      break;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) { applyTexts(); show('setup'); return; }
      await sleep(delay); // server unreachable: keep trying
    }
  }
  goStart();
  setInterval(() => {
    if (state.screen === 'start') load().then(() => { if (state.screen === 'start') renderStart(); }).catch(() => {});
  }, REFRESH_MS);
}

// ---------- wiring and lock-down ----------

function wire() {
  for (const b of document.querySelectorAll('[data-action="start"]')) b.addEventListener('click', guarded(goStart));
  $('service-back').addEventListener('click', guarded(() => (categories().length > 1 ? renderCategories() : goStart())));
  $('priority-back').addEventListener('click', guarded(renderServices));
  $('priority-no').addEventListener('click', guarded(() => issue('normal')));
  $('priority-yes').addEventListener('click', guarded(() => issue('priority')));
  $('error-retry').addEventListener('click', guarded(() => issue(state.lastRequest ? state.lastRequest.priority : 'normal')));
  $('ticket-done').addEventListener('click', guarded(goStart));
  $('appointment-start').addEventListener('click', guarded(renderAppointment));
  $('appointment-form').addEventListener('submit', (e) => {
    e.preventDefault();
    checkIn($('appointment-code').value);
  });

  // Any touch or key keeps the visitor's screen.
  for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, armIdle, { capture: true, passive: true });

  // No way out of the page.
  const block = (e) => e.preventDefault();
  for (const type of ['contextmenu', 'dragstart', 'selectstart', 'gesturestart', 'auxclick']) document.addEventListener(type, block);
  document.addEventListener('wheel', (e) => { if (e.ctrlKey) e.preventDefault(); }, { passive: false });
  document.addEventListener('keydown', (e) => {
    const k = e.key;
    const nav = k === 'BrowserBack' || k === 'BrowserForward' || k === 'F5' || k === 'F11' || k === 'F12'
      || (e.altKey && (k === 'ArrowLeft' || k === 'ArrowRight' || k === 'Home'))
      || ((e.ctrlKey || e.metaKey) && ['r', 'p', 's', 'o', 'l', 'n', 't', 'u', '+', '-', '=', '0'].includes(k.toLowerCase()));
    if (nav) e.preventDefault();
  });
  window.addEventListener('popstate', () => {
    history.pushState({ kiosk: true }, '', location.href);
    if (!state.issuing && state.screen !== 'ticket') goStart();
  });
}

wire();
start();
