// The visitor's public ticket page, /ticket/?t=TOKEN (the QR code printed on
// the ticket and shown at the kiosk). Shows the number, the status, the
// people ahead and the estimated wait, and, once called, the desk to go to
// (with a vibration, a chime and a spoken line where the phone allows), in
// the ticket's language with a switcher to the branch's other languages.
// While waiting the visitor may cancel, or postpone once; when the visit is
// done, the page asks for a rating from 1 to 5 and an optional comment.
//
// Updates come from the ticket's own live stream
// (GET /api/v1/public/tickets/{token}/live, server-sent events carrying
// only this ticket's view; the branch websocket needs a staff or device
// token a phone must never hold). While the stream cannot connect, the page
// polls the same view every 3 s and tries the stream again with a growing
// pause. `document.body.dataset.transport` says which is in use. Both stop
// once the ticket is finished and no feedback is pending.
//
// Texts come from i18n/{lang}/ticket.ftl, formatted by the server with
// the numbers shown (GET /api/v1/i18n/ticket/{lang}?ahead=N&wait_min=M).

import { request, ApiError } from '/common/api.js';
import { $, el, storageGet, storageSet } from '/common/dom.js';
import { chime, unlockAudio, DOORBELL } from '/common/chime.js';
import { fillRatingFields, readRating, CHOOSE_RATING } from '/common/rating.js';
import { Translator, loadTexts, localized } from '/common/i18n.js';

/** The page's texts: i18n/<lang>/ticket.ftl. */
const texts = new Translator('ticket');

const POLL_MS = 3000;
const LIVE_RETRY_MS = [2000, 5000, 15000, 30000, 60000];
const LANG_KEY = 'waitwell.ticket.lang';
const FINAL = ['done', 'no_show', 'cancelled', 'expired'];

const token = new URLSearchParams(location.search).get('t') || '';

const state = {
  view: null,
  lang: null,
  texts: null, // {id: text} for lang and the current numbers
  textsKey: '',
  available: new Map(), // lang -> language name, or null when no file
  timer: null, // next poll, while polling
  source: null, // the EventSource, while open
  failures: 0, // live connection failures in a row
  notFound: false,
};

/** A GET of a public view: `{body}`, or `{missing: true}` on a 404. */
async function getJson(path) {
  try {
    return { body: await request('GET', path, { cache: 'no-store' }) };
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { missing: true };
    throw e;
  }
}

/** The page's texts in `lang`, formatted for the numbers shown (plural
 *  forms: people ahead, minutes of wait and the predicted range); false
 *  when the language has no translation. */
async function loadTicketTexts(lang, ahead, waitMin, [lowMin, highMin]) {
  const key = `${lang}/${ahead}/${waitMin}/${lowMin}/${highMin}`;
  if (key === state.textsKey) return true;
  const map = await texts.load(lang, { ahead, wait_min: waitMin, low_min: lowMin, high_min: highMin });
  if (!map) return false;
  texts.maps.set(lang, map);
  state.textsKey = key;
  return true;
}

function t(id) {
  return texts.t(id, null, state.lang);
}

function applyTexts() {
  texts.lang = state.lang;
  texts.apply();
}

/** Language names for the switcher, each in its own language. */
async function loadLanguageNames(langs) {
  for (const lang of langs) {
    if (state.available.has(lang)) continue;
    try {
      const map = await loadTexts('ticket', lang);
      state.available.set(lang, map ? map['language-name'] || lang : null);
    } catch (e) { /* try again at the next poll */ }
  }
}

function renderSwitcher(langs) {
  const box = $('languages');
  const usable = langs.filter((l) => state.available.get(l));
  const key = usable.join(',') + '|' + state.lang;
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren();
  if (usable.length < 2) return;
  for (const lang of usable) {
    const b = el('button', { type: 'button', lang, text: state.available.get(lang), 'aria-pressed': String(lang === state.lang) });
    b.addEventListener('click', () => {
      state.lang = lang;
      storageSet(LANG_KEY, lang);
      render();
    });
    box.append(b);
  }
}

/** The predicted range in whole minutes, `[0, 0]` without one. */
function rangeMinutes(range) {
  if (!range) return [0, 0];
  const low = Math.floor(range[0] / 60);
  return [low, Math.max(Math.ceil(range[1] / 60), low + 1)];
}

/** Which wait message fits: the predicted range, none when no desk
 *  serves the queue, else the simple estimate ("called very soon"). */
function waitMessage(v) {
  if (v.no_open_desk) return 'no-desk';
  return v.predicted_range_s && v.predicted_range_s[1] > 0 ? 'wait-range' : 'wait';
}

async function render() {
  const v = state.view;
  const langs = [v.language, ...v.languages, 'en'].filter((l, i, a) => l && a.indexOf(l) === i);
  await loadLanguageNames(langs);
  if (!state.lang || !state.available.get(state.lang)) {
    const wanted = [storageGet(LANG_KEY), v.language, ...v.languages, 'en'];
    state.lang = wanted.find((l) => l && state.available.get(l)) || 'en';
  }
  const ahead = v.position || 0;
  const waitMin = Math.ceil((v.estimated_wait_s || 0) / 60);
  await loadTicketTexts(state.lang, ahead, waitMin, rangeMinutes(v.predicted_range_s));
  applyTexts();
  renderSwitcher(langs);
  $('office').textContent = v.branch_name;
  $('number').textContent = v.number;
  $('service').textContent = v.service_name;
  document.body.dataset.status = v.status;
  const waiting = v.status === 'waiting';
  const atDesk = (v.status === 'called' || v.status === 'serving') && v.desk_name;
  // The server names the desk in the ticket's language; the page may show another.
  const deskName = localized(v.desk_name, v.desk_names, state.lang);
  $('waiting').hidden = !waiting;
  $('called').hidden = !atDesk;
  $('other').hidden = waiting || atDesk;
  if (waiting) {
    $('ahead').textContent = t('ahead') || String(ahead);
    $('wait').textContent = t(waitMessage(v)) || `${waitMin} min`;
  } else if (atDesk) {
    $('called-label').textContent = t(v.status === 'serving' ? 'serving' : 'go-to') || '';
    $('desk').textContent = deskName;
  } else {
    $('other').textContent = t(`status-${v.status}`) || v.status;
  }
  $('ticket').hidden = false;
  $('loading').hidden = true;
  $('keep-open').hidden = FINAL.includes(v.status);
  document.title = atDesk ? `${v.number} → ${deskName}` : `${v.number} – ${v.branch_name}`;
  renderActions(v);
  renderFeedback(v);
}

/** A finished ticket with no feedback pending: nothing will change. */
function settled(v) {
  return !!v && FINAL.includes(v.status) && v.feedback !== 'open';
}

// ---------- actions: postpone, cancel ----------

let pendingAction = null;

function renderActions(v) {
  const open = !FINAL.includes(v.status);
  $('actions').hidden = !open || !(v.can_cancel || v.can_postpone);
  $('postpone').hidden = !v.can_postpone;
  $('cancel').hidden = !v.can_cancel;
  $('postponed-note').hidden = !(v.postponed && v.status === 'waiting');
  if (!open || (pendingAction === 'postpone' && !v.can_postpone) || (pendingAction === 'cancel' && !v.can_cancel)) {
    closeConfirm();
  }
  $('sound').hidden = !open;
}

function askConfirm(action) {
  pendingAction = action;
  $('confirm-text').textContent = t(`confirm-${action}`) || '';
  $('confirm-yes').textContent = t(`confirm-${action}-yes`) || action;
  $('confirm').hidden = false;
  $('action-message').textContent = '';
  $('confirm-yes').focus();
}

function closeConfirm() {
  pendingAction = null;
  $('confirm').hidden = true;
}

async function runAction() {
  const action = pendingAction;
  if (!action) return;
  $('confirm-yes').disabled = true;
  try {
    const view = await request('POST', `/api/v1/public/tickets/${encodeURIComponent(token)}/${action}`);
    closeConfirm();
    $('action-message').textContent = action === 'postpone' ? t('postpone-done') || '' : '';
    await apply(view);
  } catch (e) {
    if (e instanceof ApiError) {
      closeConfirm();
      const refusal = e.status === 409 && action === 'postpone' ? 'postpone-refused' : 'action-failed';
      $('action-message').textContent = t(refusal) || (e.body && e.body.message) || '';
      refreshOnce();
    } else {
      $('action-message').textContent = t('action-failed') || '';
    }
  } finally {
    $('confirm-yes').disabled = false;
  }
}

// ---------- the call: vibration, chime, spoken line ----------

function speak(text) {
  if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) return;
  const u = new SpeechSynthesisUtterance(text);
  u.lang = state.lang || 'en';
  window.speechSynthesis.cancel();
  window.speechSynthesis.speak(u);
}

/** Phones allow vibration and sound only after a touch on the page; each
 *  of the three is tried on its own so one refusal does not stop the others. */
function alertCalled(v) {
  try { if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 800]); } catch (e) { /* not allowed */ }
  chime(DOORBELL, { length: 0.5, volume: 0.4 });
  try { setTimeout(() => speak(`${t('announce') || ''} ${v.desk_name || ''}. ${v.number}`.trim()), 900); } catch (e) { /* no voice */ }
}

// ---------- feedback ----------

function renderFeedback(v) {
  $('feedback').hidden = v.feedback !== 'open';
  $('feedback-thanks').hidden = v.feedback !== 'given';
}

async function sendFeedback(ev) {
  ev.preventDefault();
  const body = readRating($('feedback'));
  if (!body) {
    $('feedback-error').textContent = t(CHOOSE_RATING[0]) || CHOOSE_RATING[1];
    return;
  }
  $('feedback-error').textContent = '';
  const submit = $('feedback').querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    let rating = state.view.feedback_rating;
    try {
      await request('POST', `/api/v1/public/tickets/${encodeURIComponent(token)}/feedback`, { body });
      rating = body.rating;
    } catch (e) {
      // 409: already rated (e.g. at the exit tablet): the view says so.
      if (!(e instanceof ApiError && e.status === 409)) throw e;
    }
    await apply({ ...state.view, feedback: 'given', feedback_rating: rating });
    refreshOnce();
  } catch (e) {
    $('feedback-error').textContent = (e.body && e.body.message) || t('action-failed') || '';
  } finally {
    submit.disabled = false;
  }
}

// ---------- updates: live stream, polling as the fallback ----------

function setTransport(kind) {
  document.body.dataset.transport = kind;
}

/** Takes a new view: alerts on a call (and a recall), then renders. */
async function apply(v) {
  const before = state.view;
  state.view = v;
  if (v.status === 'called' && before && (before.status !== 'called' || before.called_at !== v.called_at)) {
    alertCalled(v);
  }
  await render();
  if (settled(v)) stopUpdates();
}

function showNotFound() {
  state.notFound = true;
  $('loading').hidden = true;
  $('ticket').hidden = true;
  $('actions').hidden = true;
  $('not-found').hidden = false;
  document.body.dataset.status = 'not-found';
  stopUpdates();
}

function stopUpdates() {
  if (state.source) {
    state.source.close();
    state.source = null;
  }
  clearTimeout(state.timer);
  state.timer = null;
  $('keep-open').hidden = true;
}

/** One read of the view, e.g. after an action. */
async function refreshOnce() {
  try {
    const r = await getJson(`/api/v1/public/tickets/${encodeURIComponent(token)}`);
    $('offline').hidden = true;
    if (r.missing) return showNotFound();
    await apply(r.body);
  } catch (e) {
    $('offline').hidden = false;
  }
}

async function poll() {
  state.timer = null;
  await refreshOnce();
  if (!state.notFound && !settled(state.view) && !state.source) {
    state.timer = setTimeout(poll, POLL_MS);
  }
}

function connectLive() {
  if (state.notFound || settled(state.view)) return;
  if (!window.EventSource) {
    setTransport('poll');
    poll();
    return;
  }
  const source = new EventSource(`/api/v1/public/tickets/${encodeURIComponent(token)}/live`);
  state.source = source;
  source.addEventListener('ticket', (ev) => {
    state.failures = 0;
    setTransport('live');
    clearTimeout(state.timer);
    state.timer = null;
    $('offline').hidden = true;
    apply(JSON.parse(ev.data));
  });
  source.addEventListener('error', () => {
    // The server ends the stream of a settled ticket; anything else is a
    // lost or refused connection: poll meanwhile and try again later.
    source.close();
    if (state.source !== source) return;
    state.source = null;
    if (state.notFound || settled(state.view)) return;
    setTransport('poll');
    if (!state.timer) poll();
    const pause = LIVE_RETRY_MS[Math.min(state.failures, LIVE_RETRY_MS.length - 1)];
    state.failures += 1;
    setTimeout(connectLive, pause);
  });
}

function bindControls() {
  fillRatingFields();
  $('postpone').addEventListener('click', () => askConfirm('postpone'));
  $('cancel').addEventListener('click', () => askConfirm('cancel'));
  $('confirm-no').addEventListener('click', closeConfirm);
  $('confirm-yes').addEventListener('click', runAction);
  $('feedback').addEventListener('submit', sendFeedback);
  // Browsers play sound only after a touch: this button is that touch.
  $('sound').addEventListener('click', () => {
    unlockAudio();
    $('sound').setAttribute('aria-pressed', 'true');
    $('sound').dataset.i18n = 'sound-is-on';
    $('sound').textContent = t('sound-is-on') || $('sound').textContent;
  });
}

async function start() {
  bindControls();
  // Texts for "loading" and "not found" before the ticket says its language.
  state.lang = storageGet(LANG_KEY) || (navigator.language || 'en').split('-')[0];
  try {
    if (!(await loadTicketTexts(state.lang, 0, 0, [0, 0]))) {
      state.lang = 'en';
      await loadTicketTexts('en', 0, 0, [0, 0]);
    }
    applyTexts();
  } catch (e) { /* keep the HTML's English */ }
  state.lang = null; // decided from the ticket
  // The first view by a plain read (an unknown token is a 404 here, which
  // an EventSource cannot tell from a network error), then the stream.
  await refreshOnce();
  if (!state.view && !state.notFound) {
    setTransport('poll');
    poll();
  }
  connectLive();
}

start();
