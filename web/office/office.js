// The office's public page, /office/?branch=ID: the services that take
// remote tickets (GET /api/v1/public/branches/{id}/services), a choice, an
// optional phone number and e-mail address for notifications, and
// POST /api/v1/public/branches/{id}/tickets. On success the visitor goes to
// the ticket page (/ticket/?t=TOKEN), which follows the ticket from then on.
//
// One Idempotency-Key per attempt, kept until a ticket is issued or the
// choice changes, so a double tap or a retry after a lost answer gives one
// ticket. The server's checks (daily cap, walk-in share, rate limit, bad
// contacts) come back as 409 / 429 / 422 and are shown with the server's
// explanation under a short text in the visitor's language.
//
// The page's texts are i18n/<lang>/office.ftl (web/common/i18n.js); service
// names come from the server in the chosen language.

import { request, ApiError } from '/common/api.js';
import { $, el, storageGet, storageSet } from '/common/dom.js';
import { Translator, renderLanguageButtons } from '/common/i18n.js';

const LANG_KEY = 'waitwell.ticket.lang';

/** The page's texts: i18n/<lang>/office.ftl. */
const texts = new Translator('office');

const branchId = new URLSearchParams(location.search).get('branch') || '';

const state = { office: null, lang: 'en', chosenLang: false, key: null, keyFor: null, busy: false };

function t(id, arg) {
  return texts.t(id, { n: arg, m: arg }, state.lang) || '';
}

function applyTexts() {
  texts.lang = state.lang;
  texts.apply();
  document.title = `${t('title')} – ${state.office ? state.office.name : 'Waitwell'}`;
}

function show(id) {
  for (const other of ['loading', 'not-found', 'none', 'take']) $(other).hidden = other !== id;
}

function renderLanguages() {
  renderLanguageButtons($('languages'), texts, state.office.languages, state.lang, (lang) => {
    state.lang = lang;
    state.chosenLang = true;
    storageSet(LANG_KEY, lang);
    load();
  });
}

/** The predicted range of a ticket taken now ("15–25 min"), or that no
 *  desk serves the queue; the simple estimate if the server sent neither. */
function waitText(s) {
  // Without an open desk there is no wait to promise.
  if (s.no_open_desk) return t('no-desk-open');
  const r = s.predicted_range_s;
  if (r) {
    const low = Math.floor(r[0] / 60);
    return texts.t('range', { low, high: Math.max(Math.ceil(r[1] / 60), low + 1) }, state.lang) || '';
  }
  return t('wait', Math.max(1, Math.round(s.estimated_wait_s / 60)));
}

function renderServices() {
  const chosen = document.querySelector('input[name="service"]:checked');
  const keep = chosen ? chosen.value : null;
  $('services').replaceChildren(...state.office.services.map((s) => el('label', { class: 'service' },
    el('input', { type: 'radio', name: 'service', value: String(s.id), disabled: !s.available, checked: s.available && String(s.id) === keep }),
    el('span', { class: 'name', text: `${s.code} · ${s.name}` }),
    el('span', {
      class: 'meta',
      text: s.available ? `${t('waiting', s.waiting)}, ${waitText(s)}` : t('full'),
    }))));
}

async function load() {
  if (!/^\d+$/.test(branchId)) {
    show('not-found');
    return;
  }
  try {
    state.office = await request('GET', `/api/v1/public/branches/${branchId}/services?lang=${encodeURIComponent(state.lang)}`, { cache: 'no-store' });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      show('not-found');
      applyTexts();
    } else {
      showError(t('offline'));
    }
    return;
  }
  // Every language the office offers that has a translation.
  for (const l of state.office.languages) {
    try { await texts.load(l); } catch (e) { /* offline: English stays */ }
  }
  if (!state.chosenLang || !state.office.languages.includes(state.lang)) {
    // The office's first language unless the visitor chose another.
    const lang = state.office.languages.find((l) => texts.has(l)) || 'en';
    if (lang !== state.lang) {
      state.lang = lang;
      state.chosenLang = true;
      await load();
      return;
    }
  }
  $('office').textContent = state.office.name;
  $('standards-link').href = `/standards/?branch=${encodeURIComponent(branchId)}&lang=${encodeURIComponent(state.lang)}`;
  applyTexts();
  renderLanguages();
  if (state.office.services.length === 0) {
    show('none');
    return;
  }
  renderServices();
  show('take');
}

function showError(text) {
  $('error').textContent = text;
  $('error').hidden = !text;
}

async function take(ev) {
  ev.preventDefault();
  if (state.busy) return;
  const chosen = document.querySelector('input[name="service"]:checked');
  if (!chosen) {
    showError(t('pick-service'));
    return;
  }
  const body = {
    service_id: Number(chosen.value),
    language: state.office.languages.includes(state.lang) ? state.lang : undefined,
    phone: $('phone').value.trim() || undefined,
    email: $('email').value.trim() || undefined,
  };
  const what = JSON.stringify(body);
  if (state.keyFor !== what) {
    state.key = crypto.randomUUID();
    state.keyFor = what;
  }
  state.busy = true;
  $('submit').disabled = true;
  $('submit').textContent = t('taking');
  showError('');
  try {
    const ticket = await request('POST', `/api/v1/public/branches/${branchId}/tickets`, { body, headers: { 'idempotency-key': state.key } });
    location.assign(`/ticket/?t=${encodeURIComponent(ticket.public_token)}`);
  } catch (e) {
    if (!(e instanceof ApiError)) {
      showError(t('offline'));
    } else if (e.status === 429) {
      showError(t('busy'));
    } else {
      showError(`${t('refused')} ${(e.body && e.body.message) || ''}`.trim());
    }
    if (e.status === 409) await load();
  } finally {
    state.busy = false;
    $('submit').disabled = false;
    $('submit').textContent = t('take');
  }
}

async function start() {
  $('take').addEventListener('submit', take);
  const wanted = new URLSearchParams(location.search).get('lang') || storageGet(LANG_KEY);
  try {
    await texts.load('en');
    if (wanted && (await texts.load(wanted))) {
      state.lang = wanted;
      state.chosenLang = true;
    }
  } catch (e) {
    // No connection: load() says so.
  }
  load();
}

start();
