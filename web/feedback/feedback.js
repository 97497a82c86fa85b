// The feedback tablet at the exit, /feedback/#token=KIOSK_TOKEN: a visitor
// types their ticket number of today (or scans the QR code on the ticket
// with a scanner that types, which gives the ticket page's address), picks
// 1 to 5 stars, optionally writes a comment and sends. The page thanks them
// and resets after RESET_MS; a half-filled form resets after IDLE_MS.
//
// Ratings by number go to POST /api/v1/branches/{id}/feedback with the
// kiosk token; a scanned address carries the ticket's public token and
// goes to the ticket page's own endpoint. Texts are the ticket page's
// translations (i18n/<lang>/ticket.ftl), in the branch's languages.

import { request, ApiError } from '/common/api.js';
import { $, el } from '/common/dom.js';
import { deviceToken, deviceIdentity } from '/common/device.js';
import { fillRatingFields, readRating, CHOOSE_RATING } from '/common/rating.js';
import { Translator } from '/common/i18n.js';

const TOKEN_KEY = 'waitwell.feedback.token';
const RESET_MS = 5000;
const IDLE_MS = 60000;

const state = { token: null, branch: null, lang: null, names: new Map(), resetTimer: null, idleTimer: null };
const texts = new Translator('ticket');

function t(id) {
  return texts.t(id, null, state.lang);
}

function applyTexts() {
  texts.lang = state.lang;
  texts.apply();
}

async function setLang(lang) {
  if (!(await texts.load(lang))) return;
  state.lang = lang;
  applyTexts();
  for (const b of $('languages').children) b.setAttribute('aria-pressed', String(b.lang === lang));
}

function reset() {
  clearTimeout(state.resetTimer);
  clearTimeout(state.idleTimer);
  $('feedback').reset();
  $('error').textContent = '';
  $('thanks').hidden = true;
  $('feedback').hidden = false;
  document.body.dataset.screen = 'form';
  const first = state.branch && state.branch.languages[0];
  if (first && first !== state.lang) setLang(first);
}

function touched() {
  clearTimeout(state.idleTimer);
  state.idleTimer = setTimeout(reset, IDLE_MS);
}

function thank() {
  $('feedback').hidden = true;
  $('thanks').hidden = false;
  document.body.dataset.screen = 'thanks';
  clearTimeout(state.idleTimer);
  state.resetTimer = setTimeout(reset, RESET_MS);
}

async function send(ev) {
  ev.preventDefault();
  const typed = $('number').value.trim();
  // "A 003", "a-003": the number as printed, however it was typed.
  const raw = /[?&]t=/.test(typed) ? typed : typed.replace(/[\s\-\u2010-\u2015.]/g, '').toUpperCase();
  const body = readRating($('feedback'));
  if (!raw) {
    $('error').textContent = t('tablet-not-found') || 'Please type your ticket number.';
    $('number').focus();
    return;
  }
  if (!body) {
    $('error').textContent = t(CHOOSE_RATING[0]) || CHOOSE_RATING[1];
    return;
  }
  const scanned = /[?&]t=([0-9a-f]{64})/.exec(raw);
  try {
    if (scanned) {
      await request('POST', `/api/v1/public/tickets/${scanned[1]}/feedback`, { token: state.token, body });
    } else {
      await request('POST', `/api/v1/branches/${state.branch.id}/feedback`, { token: state.token, body: { number: raw, ...body } });
    }
    return thank();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    refused(e.status, (e.body && e.body.message) || '');
  }
  return undefined;
}

/** Says why the server refused the rating. */
function refused(status, message) {
  if (status === 404 || status === 422 && /number/.test(message)) {
    $('error').textContent = t('tablet-not-found') || message;
  } else if (status === 409 && /already/.test(message)) {
    $('error').textContent = t('tablet-already') || message;
  } else if (status === 409) {
    $('error').textContent = t('tablet-not-done') || message;
  } else {
    $('error').textContent = message || t('action-failed') || 'Something went wrong.';
  }
}

async function start() {
  fillRatingFields();
  state.token = deviceToken(TOKEN_KEY);
  let me;
  try {
    me = state.token ? await deviceIdentity(state.token) : null;
  } catch {
    me = null;
  }
  if (!me) {
    $('setup').hidden = false;
    document.body.dataset.screen = 'setup';
    return;
  }
  try {
    state.branch = await request('GET', `/api/v1/branches/${me.branch_id}`, { token: state.token });
  } catch {
    $('setup').hidden = false;
    return;
  }
  $('office').textContent = state.branch.name;
  const langs = state.branch.languages.length ? state.branch.languages : ['en'];
  for (const lang of langs) {
    const map = await texts.load(lang);
    if (!map) continue;
    const b = el('button', { type: 'button', lang, text: map['language-name'] || lang });
    b.addEventListener('click', () => { touched(); setLang(lang); });
    $('languages').append(b);
  }
  if ($('languages').children.length < 2) $('languages').replaceChildren();
  await setLang(langs[0]);
  if (!state.lang) await setLang('en');
  $('feedback').addEventListener('submit', send);
  $('feedback').addEventListener('input', touched);
  reset();
}

start();
