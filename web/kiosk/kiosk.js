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
// Accessibility options, at the bottom of every screen: "Read aloud" speaks
// each screen's heading, text and choices, and the ticket, in the chosen
// language with the browser's voices (Web Speech); high contrast; large
// text; and a low-reach layout that moves every control into the lower two
// thirds of the screen. They last for one visitor: the end of the
// interaction (Done, or the idle timeout) turns them off again.
//
// Opened once as /kiosk/?token=<kiosk device token>; the token is kept in
// localStorage (web/common/device.js), so later /kiosk/ is enough.
//
// Texts come from i18n/{lang}/kiosk.ftl through web/common/i18n.js,
// formatted by the server (GET /api/v1/i18n/kiosk/{lang}?ahead=N&wait_min=M)
// so plural forms are right in every language without a Fluent parser here.

import { api, ApiError } from '/common/api.js';
import { $, el } from '/common/dom.js';
import { deviceToken, deviceIdentity } from '/common/device.js';
import { Translator, loadTexts, localized } from '/common/i18n.js';

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
/** The server is asked whether it answers this often; while it does not,
 *  the kiosk shows its out-of-order notice instead of letting visitors tap
 *  through to an error (`?health=N` sets N seconds, for tests). */
const HEALTH_MS = (Number(params.get('health')) || 10) * 1000;
/** Server refusals the kiosk explains in the visitor's language, by the
 *  error body's `reason`; any other refusal gets the general message. */
const REASON_MESSAGES = {
  service_unavailable: 'error-service-unavailable',
  appointment_not_found: 'error-appointment-not-found',
};
/** Choices on one screen beyond which they go into two and then three
 *  columns, so that every one fits without scrolling. */
const MANY_CHOICES = [5, 10];

const state = {
  token: null,
  branch: null,
  services: [],
  loadedAt: 0,
  texts: new Translator('kiosk'), // i18n/<lang>/kiosk.ftl
  lang: 'en',
  screen: 'loading',
  shownAt: 0,
  category: null, // chosen category, or null when there is one only
  service: null, // chosen service
  key: null, // Idempotency-Key of this interaction
  issuing: false,
  lastRequest: null, // {service_id, priority, language} for "Try again"
  retry: null, // what "Try again" on the error screen does, or null
  idleTimer: null,
  offline: false, // the server did not answer the last health check
  a11y: { speech: false, contrast: false, large: false, low: false },
};

// ---------- texts ----------

function msg(id, lang = state.lang) {
  return state.texts.t(id, null, lang);
}

function applyTexts() {
  state.texts.lang = state.lang;
  state.texts.apply();
}

/** The branch's languages that have a translation file (English if none). */
function languages() {
  const usable = state.texts.usable((state.branch && state.branch.languages) || []);
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
    speakScreen();
  }
  armIdle();
}

function armIdle() {
  clearTimeout(state.idleTimer);
  const passive = ['start', 'loading', 'setup', 'issuing', 'checking', 'offline'];
  if (passive.includes(state.screen)) {
    // The start screen goes back to the branch's first language, with the
    // accessibility options off.
    const options = Object.values(state.a11y).some(Boolean);
    if (state.screen === 'start' && (state.lang !== languages()[0] || options)) {
      state.idleTimer = setTimeout(endInteraction, IDLE_MS);
    }
    return;
  }
  const ms = state.screen === 'ticket' ? RESULT_IDLE_MS : IDLE_MS;
  state.idleTimer = setTimeout(endInteraction, ms);
}

/** The visitor has gone: the next one starts with the options off. */
function endInteraction() {
  setA11y({ speech: false, contrast: false, large: false, low: false });
  $('a11y-panel').hidden = true;
  $('a11y-toggle').setAttribute('aria-expanded', 'false');
  goStart();
}

/** Ends the interaction: a new visitor starts from scratch. */
function goStart() {
  state.key = null;
  state.issuing = false;
  state.lastRequest = null;
  state.retry = null;
  state.category = null;
  state.service = null;
  state.lang = languages()[0];
  if (Date.now() - state.loadedAt > REFRESH_MS) load().catch(() => {});
  renderStart();
}

function renderStart() {
  if (state.offline) { showOffline(); return; }
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
  const message = state.branch && localized(state.branch.kiosk_message, state.branch.kiosk_messages, state.lang);
  $('kiosk-message').hidden = !message;
  $('kiosk-message').textContent = message || '';
  // Only where something can be booked.
  $('appointment-nav').hidden = !state.services.some((s) => s.appointments_enabled);
  show('start');
}

function serviceName(s) {
  return localized(s.name, s.names, state.lang);
}

/** A category's name in the visitor's language: services of one category
 *  share its default text; the first that gives this language a value names it. */
function categoryName(c) {
  for (const s of state.services) {
    if (s.category !== c) continue;
    const name = localized(c, s.category_names, state.lang);
    if (name !== c) return name;
  }
  return c;
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

/** Marks a box of choices as holding many, so the CSS gives it columns. */
function sizeChoices(box) {
  const n = box.childElementCount;
  box.classList.toggle('many', n > MANY_CHOICES[0]);
  box.classList.toggle('very-many', n > MANY_CHOICES[1]);
}

function renderCategories() {
  const box = $('categories');
  box.replaceChildren();
  for (const c of categories()) {
    const names = state.services.filter((s) => s.category === c).map(serviceName);
    const b = el('button', { type: 'button', class: 'choice category' },
      el('span', { class: 'label' }, categoryName(c) || names[0] || ''),
      el('span', { class: 'sub' }, names.join(', ')));
    b.addEventListener('click', guarded(() => { state.category = c; renderServices(); }));
    box.append(b);
  }
  sizeChoices(box);
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
  sizeChoices(box);
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
  $('issuing-title').dataset.i18n = 'issuing';
  $('issuing-title').textContent = msg('issuing') || '';
  $('retrying').textContent = '';
  show('issuing');
  try {
    const ticket = await postRetried(`/api/v1/branches/${state.branch.id}/tickets`, request, { 'idempotency-key': state.key });
    await renderTicket(ticket);
  } catch (e) {
    renderError(e, 'error-title', () => issue(request.priority));
  } finally {
    state.issuing = false;
  }
}

/** The visitor's words for a failure: the network message, a refusal
 *  the kiosk knows by its reason code, or the general refusal message
 *  (never the server's English text). */
function errorText(e, refusedId) {
  if (e instanceof RetryableError) return msg('error-network') || '';
  const id = e instanceof ApiError && e.body && REASON_MESSAGES[e.body.reason];
  return msg(id || refusedId || 'error-refused') || '';
}

/**
 * The error screen under `titleId`. After a network failure "Try again"
 * runs `retry` (the same request again, with the same key); a request the
 * server refused (the service was just closed, an unknown code) is not
 * repeated: "Try again" is not offered and the visitor starts over.
 */
function renderError(e, titleId, retry, refusedId) {
  const network = e instanceof RetryableError;
  $('error-title').dataset.i18n = titleId;
  $('error-title').textContent = msg(titleId) || '';
  $('error-text').textContent = errorText(e, refusedId);
  state.retry = network ? retry : null;
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
    texts = await loadTexts('kiosk', state.lang, { ahead, wait_min: waitMin, low_min: lowMin, high_min: highMin });
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
  const del = el('button', { type: 'button', class: 'key delete', 'data-key': 'delete', 'data-i18n-label': 'delete-key', 'aria-label': msg('delete-key') || 'Delete' }, '\u232B');
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

/** The language switch of the check-in screen: a visitor with a booking
 *  reads the screen in their language before typing the code. */
function renderAppointmentLanguages() {
  const box = $('appointment-languages');
  const langs = languages();
  box.hidden = langs.length < 2;
  box.replaceChildren(...langs.map((lang) => {
    const b = el('button', { type: 'button', class: 'secondary lang', lang, 'aria-pressed': String(lang === state.lang) },
      msg('language-name', lang) || lang);
    b.addEventListener('click', () => {
      state.lang = lang;
      applyTexts();
      renderAppointmentLanguages();
      $('appointment-code').focus({ preventScroll: true });
    });
    return b;
  }));
}

function renderAppointment() {
  applyTexts();
  $('appointment-code').value = '';
  renderCodeKeys();
  renderAppointmentLanguages();
  show('appointment');
  // The scanner types into the focused field; the heading took the focus
  // for screen readers, the field takes it right after.
  $('appointment-code').focus({ preventScroll: true });
}

async function checkIn(code) {
  if (state.issuing || !code.trim()) return;
  state.issuing = true;
  $('issuing-title').dataset.i18n = 'checking-in';
  $('issuing-title').textContent = msg('checking-in') || '';
  $('retrying').textContent = '';
  show('issuing');
  try {
    const result = await postRetried(`/api/v1/branches/${state.branch.id}/appointments/check-in`, { code, language: state.lang });
    await renderTicket(result.ticket, result);
  } catch (e) {
    // Checking in twice gives the same ticket: a retry is always safe.
    // A code of the wrong shape (422) is as unknown as a wrong code.
    renderError(e, 'check-in-error', () => checkIn(code), e.status === 422 ? 'error-appointment-not-found' : null);
  } finally {
    state.issuing = false;
  }
}

// ---------- accessibility options ----------

/** Applies the options: classes for the CSS, pressed states, speech. */
function setA11y(options) {
  state.a11y = options;
  document.body.classList.toggle('a11y-contrast', options.contrast);
  document.body.classList.toggle('a11y-low', options.low);
  document.documentElement.classList.toggle('a11y-large', options.large);
  for (const b of document.querySelectorAll('.a11y-option')) {
    b.setAttribute('aria-pressed', String(!!options[b.dataset.option]));
  }
  if (!options.speech) stopSpeaking();
}

/** "A042" -> "A 42": letters one by one, the number without zeros, as
 *  the display announces it. */
function spokenNumber(number) {
  const m = /^([A-Za-z]*)0*(\d+)$/.exec(number || '');
  if (!m) return number || '';
  return m[1].toUpperCase().split('').concat([String(parseInt(m[2], 10))]).join(' ');
}

/** What a screen says: its heading, texts and then its choices. */
function screenWords(name) {
  const screen = $(`screen-${name}`);
  if (!screen) return [];
  const visible = (node) => !node.closest('[hidden]') && node.offsetParent !== null;
  const text = (node) => node.textContent.replace(/\s+/g, ' ').trim();
  if (name === 'ticket') {
    return ['#ticket-title', '#ticket-number', '#ticket-service', '#ticket-priority', '#ticket-appointment', '#ticket-ahead', '#ticket-wait', '.take']
      .map((sel) => screen.querySelector(sel))
      .filter((node) => node && visible(node))
      .map((node) => (node.id === 'ticket-number' ? spokenNumber(text(node)) : text(node)))
      .filter(Boolean);
  }
  const parts = [];
  for (const node of screen.querySelectorAll('h1, .lead, .message, #error-text, button, label')) {
    if (!visible(node)) continue;
    if (node.tagName === 'BUTTON' && node.closest('.code-keys')) continue;
    const words = node.tagName === 'BUTTON' && node.querySelector('.label') ? text(node.querySelector('.label')) : text(node);
    if (words) parts.push(words);
  }
  return parts;
}

/** The browser's voice for a language, or null (the browser's default then). */
function voiceFor(lang) {
  const synth = window.speechSynthesis;
  let voices = [];
  try { voices = (synth && synth.getVoices()) || []; } catch (e) { voices = []; }
  const norm = (v) => String(v.lang || '').toLowerCase().replace('_', '-');
  return voices.find((v) => norm(v) === lang) || voices.find((v) => norm(v).split('-')[0] === lang) || null;
}

function stopSpeaking() {
  try { if (window.speechSynthesis) window.speechSynthesis.cancel(); } catch (e) { /* no speech */ }
}

/** Reads the current screen aloud when the visitor asked for it; a new
 *  screen cuts the previous one short. */
function speakScreen() {
  if (!state.a11y.speech || !window.speechSynthesis || typeof window.SpeechSynthesisUtterance !== 'function') return;
  stopSpeaking();
  const lang = state.lang;
  const voice = voiceFor(lang);
  for (const words of screenWords(state.screen)) {
    const u = new SpeechSynthesisUtterance(words);
    u.lang = voice ? voice.lang : lang;
    if (voice) u.voice = voice;
    u.rate = 0.9;
    window.speechSynthesis.speak(u);
  }
}

// ---------- out of order ----------

/** The out-of-order notice, in the kiosk's first language. */
function showOffline() {
  state.lang = languages()[0];
  applyTexts();
  show('offline');
}

/** Asks the server whether it answers; switches between the out-of-order
 *  notice and the start screen. A visitor in the middle of an interaction
 *  is left alone: their request reports its own failure. */
async function checkHealth() {
  let up = false;
  try {
    const res = await fetch('/healthz', { cache: 'no-store' });
    up = res.ok;
  } catch (e) {
    up = false;
  }
  const was = state.offline;
  state.offline = !up;
  if (!up && !was && ['start', 'loading'].includes(state.screen)) showOffline();
  if (up && was && state.screen === 'offline') {
    if (state.branch) goStart();
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
  for (const lang of wanted) await state.texts.load(lang);
  state.branch = branch;
  state.services = list.filter((s) => s.active);
  state.loadedAt = Date.now();
}

async function start() {
  state.token = deviceToken(TOKEN_KEY);
  setInterval(checkHealth, HEALTH_MS);
  // The back gesture finds one more page of ours (see popstate in wire()).
  history.pushState({ kiosk: true }, '', location.href);
  try {
    await state.texts.load('en');
  } catch (e) { /* texts stay as in the HTML */ }
  if (!state.token) { applyTexts(); show('setup'); return; }
  for (let delay = 2000; ; delay = Math.min(delay * 2, 30000)) {
    try {
      await load();
      break;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) { applyTexts(); show('setup'); return; }
      // Server unreachable: say so, and keep trying.
      state.offline = true;
      showOffline();
      await sleep(delay);
    }
  }
  state.offline = false;
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
  $('error-retry').addEventListener('click', guarded(() => { if (state.retry) state.retry(); }));
  $('ticket-done').addEventListener('click', guarded(endInteraction));
  $('a11y-toggle').addEventListener('click', () => {
    const open = $('a11y-panel').hidden;
    $('a11y-panel').hidden = !open;
    $('a11y-toggle').setAttribute('aria-expanded', String(open));
  });
  for (const b of document.querySelectorAll('.a11y-option')) {
    b.addEventListener('click', () => {
      const option = b.dataset.option;
      setA11y({ ...state.a11y, [option]: !state.a11y[option] });
      if (option === 'speech' && state.a11y.speech) speakScreen();
      armIdle();
    });
  }
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
