// The visitor's public ticket page, /ticket/?t=TOKEN (the QR code printed on
// the ticket and shown at the kiosk). Shows the number, the status, the
// people ahead and the estimated wait, and, once called, the desk to go to,
// in the ticket's language with a switcher to the branch's other languages.
//
// Why polling and not the live websocket: the branch stream carries every
// ticket and desk of the office and needs a staff or device token, which a
// visitor's phone must never hold. The public view
// (GET /api/v1/public/tickets/{token}) returns only this ticket, so the page
// asks for it every 3 s: cheap for the server, and a few seconds are fine for
// someone sitting in the waiting room who also watches the screens. Polling
// stops once the ticket is finished.
//
// Texts come from web/ticket/i18n/{lang}.ftl, formatted by the server with
// the numbers shown (GET /api/v1/i18n/ticket/{lang}?ahead=N&wait_min=M).

const POLL_MS = 3000;
const LANG_KEY = 'waitwell.ticket.lang';
const FINAL = ['done', 'no_show', 'cancelled', 'expired'];

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get('t') || '';

const state = {
  view: null,
  lang: null,
  texts: null, // {id: text} for lang and the current numbers
  textsKey: '',
  available: new Map(), // lang -> language name, or null when no file
  timer: null,
  lastStatus: null,
};

function storedLang() {
  try { return localStorage.getItem(LANG_KEY); } catch (e) { return null; }
}

async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store' });
  if (res.status === 404) return { missing: true };
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return { body: await res.json() };
}

async function loadTexts(lang, ahead, waitMin) {
  const key = `${lang}/${ahead}/${waitMin}`;
  if (key === state.textsKey) return true;
  const r = await getJson(`/api/v1/i18n/ticket/${encodeURIComponent(lang)}?ahead=${ahead}&wait_min=${waitMin}`);
  if (r.missing) return false;
  state.texts = r.body;
  state.textsKey = key;
  return true;
}

function t(id) {
  return state.texts && state.texts[id] !== undefined ? state.texts[id] : null;
}

function applyTexts() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const text = t(el.dataset.i18n);
    if (text !== null) el.textContent = text;
  }
}

/** Language names for the switcher, each in its own language. */
async function loadLanguageNames(langs) {
  for (const lang of langs) {
    if (state.available.has(lang)) continue;
    try {
      const r = await getJson(`/api/v1/i18n/ticket/${encodeURIComponent(lang)}`);
      state.available.set(lang, r.missing ? null : r.body['language-name'] || lang);
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
    const b = document.createElement('button');
    b.type = 'button';
    b.lang = lang;
    b.textContent = state.available.get(lang);
    b.setAttribute('aria-pressed', String(lang === state.lang));
    b.addEventListener('click', () => {
      state.lang = lang;
      try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* session only */ }
      render();
    });
    box.append(b);
  }
}

async function render() {
  const v = state.view;
  const langs = [v.language, ...v.languages, 'en'].filter((l, i, a) => l && a.indexOf(l) === i);
  await loadLanguageNames(langs);
  if (!state.lang || !state.available.get(state.lang)) {
    const wanted = [storedLang(), v.language, ...v.languages, 'en'];
    state.lang = wanted.find((l) => l && state.available.get(l)) || 'en';
  }
  const ahead = v.position || 0;
  const waitMin = Math.ceil((v.estimated_wait_s || 0) / 60);
  await loadTexts(state.lang, ahead, waitMin);
  applyTexts();
  renderSwitcher(langs);
  $('office').textContent = v.branch_name;
  $('number').textContent = v.number;
  $('service').textContent = v.service_name;
  document.body.dataset.status = v.status;
  const waiting = v.status === 'waiting';
  const atDesk = (v.status === 'called' || v.status === 'serving') && v.desk_name;
  $('waiting').hidden = !waiting;
  $('called').hidden = !atDesk;
  $('other').hidden = waiting || atDesk;
  if (waiting) {
    $('ahead').textContent = t('ahead') || String(ahead);
    $('wait').textContent = t('wait') || `${waitMin} min`;
  } else if (atDesk) {
    $('called-label').textContent = t(v.status === 'serving' ? 'serving' : 'go-to') || '';
    $('desk').textContent = v.desk_name;
  } else {
    $('other').textContent = t(`status-${v.status}`) || v.status;
  }
  $('ticket').hidden = false;
  $('loading').hidden = true;
  $('keep-open').hidden = FINAL.includes(v.status);
  document.title = atDesk ? `${v.number} → ${v.desk_name}` : `${v.number} – ${v.branch_name}`;
  if (v.status === 'called' && state.lastStatus && state.lastStatus !== 'called' && navigator.vibrate) {
    navigator.vibrate([300, 150, 300]);
  }
  state.lastStatus = v.status;
}

async function poll() {
  try {
    const r = await getJson(`/api/v1/public/tickets/${encodeURIComponent(token)}`);
    $('offline').hidden = true;
    if (r.missing) {
      $('loading').hidden = true;
      $('ticket').hidden = true;
      $('not-found').hidden = false;
      document.body.dataset.status = 'not-found';
      return; // an unknown token stays unknown
    }
    state.view = r.body;
    await render();
    if (FINAL.includes(state.view.status)) return;
  } catch (e) {
    $('offline').hidden = false;
  }
  state.timer = setTimeout(poll, POLL_MS);
}

async function start() {
  // Texts for "loading" and "not found" before the ticket says its language.
  state.lang = storedLang() || (navigator.language || 'en').split('-')[0];
  try {
    if (!(await loadTexts(state.lang, 0, 0))) {
      state.lang = 'en';
      await loadTexts('en', 0, 0);
    }
    applyTexts();
  } catch (e) { /* keep the HTML's English */ }
  state.lang = null; // decided from the ticket
  poll();
}

start();
