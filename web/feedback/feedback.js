// The feedback tablet at the exit, /feedback/#token=KIOSK_TOKEN: a visitor
// types their ticket number of today (or scans the QR code on the ticket
// with a scanner that types, which gives the ticket page's address), picks
// 1 to 5 stars, optionally writes a comment and sends. The page thanks them
// and resets after RESET_MS; a half-filled form resets after IDLE_MS.
//
// Ratings by number go to POST /api/v1/branches/{id}/feedback with the
// kiosk token; a scanned address carries the ticket's public token and
// goes to the ticket page's own endpoint. Texts are the ticket page's
// translations (web/ticket/i18n/), in the branch's languages.

const TOKEN_KEY = 'waitwell.feedback.token';
const RESET_MS = 5000;
const IDLE_MS = 60000;

const $ = (id) => document.getElementById(id);
const state = { token: null, branch: null, lang: null, texts: {}, names: new Map(), resetTimer: null, idleTimer: null };

function t(id) {
  return state.texts[id] !== undefined ? state.texts[id] : null;
}

async function loadTexts(lang) {
  const res = await fetch(`/api/v1/i18n/ticket/${encodeURIComponent(lang)}`);
  if (!res.ok) return null;
  return res.json();
}

function applyTexts() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const text = t(el.dataset.i18n);
    if (text !== null) el.textContent = text;
  }
}

async function setLang(lang) {
  const texts = await loadTexts(lang);
  if (!texts) return;
  state.lang = lang;
  state.texts = texts;
  applyTexts();
  for (const b of $('languages').children) b.setAttribute('aria-pressed', String(b.lang === lang));
}

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  return { status: res.status, ok: res.ok, body: data };
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
  const raw = $('number').value.trim();
  const chosen = document.querySelector('input[name="rating"]:checked');
  if (!raw) {
    $('error').textContent = t('tablet-not-found') || 'Please type your ticket number.';
    $('number').focus();
    return;
  }
  if (!chosen) {
    $('error').textContent = t('feedback-choose') || 'Please choose from 1 to 5 stars.';
    return;
  }
  const body = { rating: Number(chosen.value) };
  const comment = $('comment').value.trim();
  if (comment) body.comment = comment;
  const scanned = /[?&]t=([0-9a-f]{64})/.exec(raw);
  let r;
  if (scanned) {
    r = await api('POST', `/api/v1/public/tickets/${scanned[1]}/feedback`, body);
  } else {
    r = await api('POST', `/api/v1/branches/${state.branch.id}/feedback`, { number: raw, ...body });
  }
  if (r.ok) return thank();
  const message = (r.body && r.body.message) || '';
  if (r.status === 404 || r.status === 422 && /number/.test(message)) {
    $('error').textContent = t('tablet-not-found') || message;
  } else if (r.status === 409 && /already/.test(message)) {
    $('error').textContent = t('tablet-already') || message;
  } else if (r.status === 409) {
    $('error').textContent = t('tablet-not-done') || message;
  } else {
    $('error').textContent = message || t('action-failed') || 'Something went wrong.';
  }
}

async function start() {
  const url = new URL(location.href);
  // `#token=` keeps the token out of request lines and proxy logs.
  const fromHash = new URLSearchParams(url.hash.replace(/^#/, '')).get('token');
  const fromUrl = fromHash || url.searchParams.get('token');
  if (fromUrl) {
    try { localStorage.setItem(TOKEN_KEY, fromUrl); } catch (e) { /* session only */ }
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search);
  }
  let stored = null;
  try { stored = localStorage.getItem(TOKEN_KEY); } catch (e) { /* none */ }
  state.token = fromUrl || stored;
  const me = state.token ? await api('GET', '/api/v1/auth/me') : { ok: false };
  if (!me.ok || me.body.kind !== 'device') {
    $('setup').hidden = false;
    document.body.dataset.screen = 'setup';
    return;
  }
  const branch = await api('GET', `/api/v1/branches/${me.body.branch_id}`);
  if (!branch.ok) {
    $('setup').hidden = false;
    return;
  }
  state.branch = branch.body;
  $('office').textContent = state.branch.name;
  const langs = state.branch.languages.length ? state.branch.languages : ['en'];
  for (const lang of langs) {
    const texts = await loadTexts(lang);
    if (!texts) continue;
    const b = document.createElement('button');
    b.type = 'button';
    b.lang = lang;
    b.textContent = texts['language-name'] || lang;
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
