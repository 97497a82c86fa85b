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
// The page's own texts are few and live here, per language; service names
// come from the server in the chosen language.

import { request, ApiError } from '/common/api.js';
import { $, el, storageGet, storageSet } from '/common/dom.js';

const LANG_KEY = 'waitwell.ticket.lang';

const TEXTS = {
  en: {
    'language-name': 'English',
    language: 'Language',
    title: 'Take a ticket',
    loading: 'Loading…',
    'not-found': 'This office does not exist.',
    none: 'No service takes remote tickets at the moment. Please take a ticket at the office.',
    choose: 'What do you come for?',
    notify: 'Notify me (optional)',
    'notify-hint': 'We use these only to tell you about your ticket and delete them afterwards.',
    phone: 'Mobile phone',
    email: 'E-mail',
    take: 'Take a ticket',
    taking: 'Taking your ticket…',
    waiting: (n) => (n === 1 ? '1 person waiting' : `${n} people waiting`),
    wait: (m) => `about ${m} min`,
    range: ([lo, hi]) => `${lo}–${hi} min`,
    noDesk: 'no desk open now',
    full: 'full for now',
    'pick-service': 'Please choose a service.',
    refused: 'No ticket was issued.',
    busy: 'Too many tickets from this device. Please try again in a moment.',
    offline: 'No connection. Please try again.',
  },
  pl: {
    'language-name': 'Polski',
    language: 'Język',
    title: 'Pobierz bilet',
    loading: 'Ładowanie…',
    'not-found': 'Ten urząd nie istnieje.',
    none: 'Obecnie żadna sprawa nie przyjmuje biletów zdalnych. Prosimy pobrać bilet w urzędzie.',
    choose: 'W jakiej sprawie przychodzisz?',
    notify: 'Powiadom mnie (opcjonalnie)',
    'notify-hint': 'Używamy tych danych tylko do powiadomień o bilecie, a potem je usuwamy.',
    phone: 'Telefon komórkowy',
    email: 'E-mail',
    take: 'Pobierz bilet',
    taking: 'Pobieranie biletu…',
    waiting: (n) => `oczekujący: ${n}`,
    wait: (m) => `około ${m} min`,
    range: ([lo, hi]) => `${lo}–${hi} min`,
    noDesk: 'żadne stanowisko nie jest teraz otwarte',
    full: 'chwilowo brak miejsc',
    'pick-service': 'Wybierz sprawę.',
    refused: 'Bilet nie został wydany.',
    busy: 'Za dużo biletów z tego urządzenia. Spróbuj ponownie za chwilę.',
    offline: 'Brak połączenia. Spróbuj ponownie.',
  },
  da: {
    'language-name': 'Dansk',
    language: 'Sprog',
    title: 'Tag et nummer',
    loading: 'Indlæser…',
    'not-found': 'Dette kontor findes ikke.',
    none: 'Ingen ydelser tager imod numre på afstand lige nu. Tag venligst et nummer på kontoret.',
    choose: 'Hvad kommer du for?',
    notify: 'Giv mig besked (valgfrit)',
    'notify-hint': 'Vi bruger dem kun til besked om dit nummer og sletter dem bagefter.',
    phone: 'Mobiltelefon',
    email: 'E-mail',
    take: 'Tag et nummer',
    taking: 'Tager dit nummer…',
    waiting: (n) => (n === 1 ? '1 venter' : `${n} venter`),
    wait: (m) => `ca. ${m} min`,
    range: ([lo, hi]) => `${lo}–${hi} min`,
    noDesk: 'ingen skranke åben lige nu',
    full: 'fuldt lige nu',
    'pick-service': 'Vælg venligst en ydelse.',
    refused: 'Der blev ikke udstedt et nummer.',
    busy: 'For mange numre fra denne enhed. Prøv igen om lidt.',
    offline: 'Ingen forbindelse. Prøv igen.',
  },
};

const branchId = new URLSearchParams(location.search).get('branch') || '';

const state = { office: null, lang: 'en', chosenLang: false, key: null, keyFor: null, busy: false };

function t(id, arg) {
  const text = (TEXTS[state.lang] || TEXTS.en)[id] ?? TEXTS.en[id];
  return typeof text === 'function' ? text(arg) : text;
}

function applyTexts() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.title = `${t('title')} – ${state.office ? state.office.name : 'Waitwell'}`;
}

function show(id) {
  for (const other of ['loading', 'not-found', 'none', 'take']) $(other).hidden = other !== id;
}

function renderLanguages() {
  const langs = state.office.languages.filter((l) => TEXTS[l]);
  const box = $('languages');
  if (langs.length < 2) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(...langs.map((lang) => {
    const b = el('button', { type: 'button', lang, text: TEXTS[lang]['language-name'], 'aria-pressed': String(lang === state.lang) });
    b.addEventListener('click', () => {
      state.lang = lang;
      state.chosenLang = true;
      storageSet(LANG_KEY, lang);
      load();
    });
    return b;
  }));
}

/** The predicted range of a ticket taken now ("15–25 min"), or that no
 *  desk serves the queue; the simple estimate if the server sent neither. */
function waitText(s) {
  if (s.no_open_desk) return t('noDesk');
  const r = s.predicted_range_s;
  if (r) {
    const low = Math.floor(r[0] / 60);
    return t('range', [low, Math.max(Math.ceil(r[1] / 60), low + 1)]);
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
  if (!state.chosenLang || !state.office.languages.includes(state.lang)) {
    // The office's first language unless the visitor chose another.
    const lang = state.office.languages.find((l) => TEXTS[l]) || 'en';
    if (lang !== state.lang) {
      state.lang = lang;
      state.chosenLang = true;
      await load();
      return;
    }
  }
  $('office').textContent = state.office.name;
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

function start() {
  const wanted = new URLSearchParams(location.search).get('lang') || storageGet(LANG_KEY);
  if (wanted && TEXTS[wanted]) {
    state.lang = wanted;
    state.chosenLang = true;
  }
  $('take').addEventListener('submit', take);
  load();
}

start();
