// The waiting-room TV display: the latest call large with its desk, the
// previous calls, the queues per service, a clock, the office's name and a
// message line; a chime and a spoken announcement for every new call.
//
// The shared LiveConnection keeps the state (snapshot + events, resume,
// back-off); this page only renders that state, so a display that lost its
// connection shows exactly what one that never lost it shows. Only live
// `ticket.called` / `ticket.recalled` messages are announced, never the
// content of a snapshot, and announcements wait for each other. The wait
// column is the predicted range of a ticket taken now, read from
// GET /api/v1/branches/{id}/predictions on (re)connecting, a second after
// queue changes and every minute.
//
// Written for old TV browsers: plain DOM, no framework, nothing newer than
// ES2017 beyond module scripts. Nothing grows: the state holds at most 10
// calls, the announcement queue at most MAX_QUEUED items, the DOM changes in
// place.
//
// Settings are read from the display device's `config` (set by managers):
//   services, desks   arrays of ids shown (the server filters the stream)
//   languages         announcement languages in order; the first also
//                     labels the screen (default: the branch's first)
//   layout            "standard" | "calls-only"
//   voice             false: no spoken announcements (default true)
//   audio             "speech" (browser voice, server audio when the
//                     browser has no voice for a language) | "server" |
//                     "off" (default "speech")
//   chime             false: no chime before announcements (default true)
//   message           message line (default: the branch's kiosk_message)

import { LiveConnection } from '/common/live.js';
import { api, send, serverClockOffset } from '/common/api.js';
import { $, el } from '/common/dom.js';
import { deviceToken, deviceIdentity } from '/common/device.js';
import { chime, ROOM } from '/common/chime.js';
import { Translator, localized } from '/common/i18n.js';
import { Forecasts, rangeMinutes } from '/common/forecasts.js';

const TOKEN_KEY = 'waitwell.display.token';
/** Settings and the server's clock are re-read this often. */
const REFRESH_MS = 5 * 60 * 1000;
/** Calls older than this (after an outage) are shown but not announced. */
const ANNOUNCE_MAX_AGE_MS = 60 * 1000;
/** How long the latest call stays highlighted. */
const HIGHLIGHT_MS = 8000;
/** Announcements waiting beyond this drop the oldest. */
const MAX_QUEUED = 6;
const PREVIOUS = { standard: 7, 'calls-only': 7 };
const LAYOUTS = ['standard', 'calls-only'];
/** With more services than the queue panel holds, each page of rows shows
 *  this long before the next one (`?rotate=N` sets N seconds, for tests). */
const ROTATE_MS = (Number(new URLSearchParams(location.search).get('rotate')) || 10) * 1000;
const AUDIO = ['speech', 'server', 'off'];

const app = {
  token: null,
  branchId: null,
  deviceId: null,
  rawConfig: null,
  config: null,
  live: null,
  texts: new Translator('display'), // i18n/<lang>/display.ftl
  clockOffset: 0, // server time minus local time, ms
  highlightTimer: null,
  previousKey: '',
  formatters: null, // { lang, timeZone, time, date }
  servicePage: 0, // the page of service rows shown (see paginateServices)
  // The predicted wait of a ticket taken now, per service.
  forecasts: new Forecasts(
    () => api(app.token, 'GET', `/api/v1/branches/${app.branchId}/predictions`),
    () => {
      if (app.live) render();
    },
  ),
};

// ---------- token and settings ----------

function isLanguageTag(tag) {
  return typeof tag === 'string' && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag);
}

function idList(value) {
  return Array.isArray(value) ? value.filter((v) => Number.isInteger(v)) : null;
}

/** The device's config with defaults; `branch` may still be null. */
function settings(raw, branch) {
  const c = raw && typeof raw === 'object' ? raw : {};
  const configured = Array.isArray(c.languages) ? c.languages.filter(isLanguageTag) : [];
  const branchLanguage = branch && branch.languages && branch.languages[0];
  return {
    services: idList(c.services),
    desks: idList(c.desks),
    languages: configured.length ? configured : [branchLanguage || 'en'],
    layout: LAYOUTS.indexOf(c.layout) >= 0 ? c.layout : 'standard',
    voice: c.voice !== false,
    audio: AUDIO.indexOf(c.audio) >= 0 ? c.audio : 'speech',
    chime: c.chime !== false,
    message: typeof c.message === 'string' ? c.message : null,
  };
}

function sameIds(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

// ---------- translations ----------

function baseLanguage(lang) {
  return lang.split('-')[0].toLowerCase();
}

/** Loads the texts of `languages` (and English, the fallback); true when
 *  something new arrived. A language that failed to load is tried again
 *  at the next refresh. */
async function loadMessages(languages) {
  const wanted = ['en'].concat(languages.map(baseLanguage));
  let loaded = false;
  for (const lang of wanted) {
    if (app.texts.maps.has(lang)) continue;
    try {
      await app.texts.load(lang);
      loaded = true;
    } catch (e) {
      // network trouble: try again at the next refresh
    }
  }
  return loaded;
}

/** A screen text in the display's first language (English as fallback). */
function t(key, vars) {
  app.texts.lang = baseLanguage(app.config.languages[0]);
  const text = app.texts.t(key, vars);
  return text == null ? key : text;
}

function applyLabels() {
  app.texts.lang = baseLanguage(app.config.languages[0]);
  app.texts.apply();
  // The tag as configured (pl-PL), for the browser's hyphenation and voice.
  document.documentElement.lang = app.config.languages[0];
}

// ---------- rendering ----------

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function serviceName(service, lang) {
  return localized(service.name || '', service.names, lang);
}

/** A call's desk in `lang` (default: the screen's language). */
function deskName(call, lang) {
  return localized(call.desk_name || '', call.desk_names, lang || app.config.languages[0]);
}

function formatWait(service) {
  if (!service.open_desks) return t('no_desk_open');
  // The predicted range of a ticket taken now, refreshed every minute.
  const forecast = app.forecasts.get(service.id);
  if (forecast && forecast.no_open_desk) return t('no_desk_open');
  const range = rangeMinutes(forecast);
  if (range) return t('minutes_range', range);
  const s = Math.max(0, service.estimated_wait_s || 0);
  if (s < 60) return t('under_minute');
  const minutes = Math.round(s / 60);
  if (minutes < 90) return t('minutes', { n: minutes });
  return t('hours_minutes', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

function compareServices(a, b) {
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.id - b.id;
}

/** Previous calls: newest first, each ticket once, without the latest. */
function previousCalls(calls, max) {
  const seen = new Set();
  if (calls[0]) seen.add(calls[0].ticket_id);
  const out = [];
  for (let i = 1; i < calls.length && out.length < max; i++) {
    const c = calls[i];
    if (seen.has(c.ticket_id)) continue;
    seen.add(c.ticket_id);
    out.push(c);
  }
  return out;
}

function renderPrevious(calls) {
  const list = previousCalls(calls, PREVIOUS[app.config.layout]);
  const key = list.map((c) => `${c.seq}:${c.number}:${deskName(c)}`).join('|');
  if (key === app.previousKey) return;
  app.previousKey = key;
  const ol = $('previous-calls');
  while (ol.firstChild) ol.removeChild(ol.firstChild);
  for (const c of list) {
    ol.appendChild(el('li', { 'data-ticket-id': String(c.ticket_id) },
      el('span', { class: 'number', text: c.number || '' }),
      el('span', { class: 'desk', text: deskName(c) })));
  }
}

function renderServices(services) {
  const table = $('services');
  const tbody = table.tBodies[0];
  const lang = app.config.languages[0];
  const list = Array.from(services.values()).sort(compareServices);
  table.classList.toggle('many', list.length > 6);
  const keep = new Set(list.map((s) => String(s.id)));
  const rows = Array.from(tbody.rows);
  for (const row of rows) {
    if (!keep.has(row.getAttribute('data-service-id'))) tbody.removeChild(row);
  }
  list.forEach((s, index) => {
    let row = tbody.querySelector(`tr[data-service-id="${s.id}"]`);
    if (!row) {
      row = el('tr', { 'data-service-id': String(s.id) },
        ...['code', 'name', 'num waiting', 'num wait'].map((cls) => el('td', { class: cls })));
      row.cells[0].appendChild(el('span'));
    }
    if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] || null);
    setText(row.cells[0].firstChild, s.code || '');
    setText(row.cells[1], serviceName(s, lang));
    setText(row.cells[2], String(s.waiting || 0));
    setText(row.cells[3], formatWait(s));
    row.classList.toggle('closed', !s.open_desks);
  });
  paginateServices();
}

/**
 * Shows as many service rows as the queue panel holds and, when that is
 * not all of them, turns the pages every ROTATE_MS so that every service
 * appears in turn (the page number shows "2 / 3"). Rows are measured, not
 * counted, so long names, large text and any screen size are covered.
 */
function paginateServices() {
  const table = $('services');
  const rows = Array.from(table.tBodies[0].rows);
  const indicator = $('services-page');
  for (const row of rows) row.hidden = false;
  const panel = table.parentNode;
  const style = getComputedStyle(panel);
  const room = panel.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
    - table.tHead.offsetHeight - indicator.offsetHeight;
  const rowHeight = rows.length ? Math.max(1, rows[0].offsetHeight) : 1;
  const perPage = Math.max(1, Math.floor(room / rowHeight));
  const pages = Math.max(1, Math.ceil(rows.length / perPage));
  if (app.servicePage >= pages) app.servicePage = 0;
  rows.forEach((row, i) => {
    row.hidden = Math.floor(i / perPage) !== app.servicePage;
  });
  table.setAttribute('data-pages', String(pages));
  table.setAttribute('data-page', String(app.servicePage + 1));
  indicator.hidden = pages < 2;
  setText(indicator, pages < 2 ? '' : `${app.servicePage + 1} / ${pages}`);
}

function turnServicePage() {
  const pages = Number($('services').getAttribute('data-pages')) || 1;
  if (pages < 2) return;
  app.servicePage = (app.servicePage + 1) % pages;
  paginateServices();
}

function render() {
  const state = app.live && app.live.state;
  if (!state || !state.branch) return;
  const body = document.body;
  if (body.getAttribute('data-layout') !== app.config.layout) body.setAttribute('data-layout', app.config.layout);
  setText($('office-name'), state.branch.name || '');
  const message = app.config.message != null
    ? app.config.message
    : localized(state.branch.kiosk_message || '', state.branch.kiosk_messages, app.config.languages[0]);
  const footer = $('message');
  setText(footer, message);
  footer.hidden = !message;

  const latest = state.calls[0];
  setText($('latest-number'), latest ? latest.number || '' : '');
  setText($('latest-desk'), latest ? deskName(latest) : '');
  body.classList.toggle('no-calls', !latest);
  body.classList.toggle('recalled', !!(latest && latest.recall));
  renderPrevious(state.calls);
  renderServices(state.services);
}

function highlight() {
  const section = $('latest');
  section.classList.remove('highlight');
  // Restart the animation.
  void section.offsetWidth;
  section.classList.add('highlight');
  clearTimeout(app.highlightTimer);
  app.highlightTimer = setTimeout(() => section.classList.remove('highlight'), HIGHLIGHT_MS);
}

// ---------- clock ----------

function serverNow() {
  return Date.now() + app.clockOffset;
}

function formatters() {
  const lang = app.config.languages[0];
  const timeZone = (app.live && app.live.state.branch && app.live.state.branch.timezone) || undefined;
  const f = app.formatters;
  if (f && f.lang === lang && f.timeZone === timeZone) return f;
  const make = (options) => {
    try {
      return new Intl.DateTimeFormat(lang, Object.assign({ timeZone }, options));
    } catch (e) {
      return new Intl.DateTimeFormat(undefined, options); // unknown zone or language
    }
  };
  app.formatters = {
    lang,
    timeZone,
    time: make({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    date: make({ weekday: 'long', day: 'numeric', month: 'long' }),
  };
  return app.formatters;
}

function tick() {
  if (app.config) {
    const now = new Date(serverNow());
    const f = formatters();
    setText($('clock'), f.time.format(now));
    setText($('date'), f.date.format(now));
  }
  // Next tick just after the next full second.
  setTimeout(tick, 1000 - (serverNow() % 1000) + 20);
}

/** Server time from the Date header (TVs' own clocks are often wrong). */
async function syncClock() {
  const offset = await serverClockOffset();
  // No answer: keep the last offset.
  if (offset != null) app.clockOffset = offset;
}

// ---------- announcements ----------

/** "A042" -> "A 42": letters one by one, the number without zeros. */
export function spokenNumber(number) {
  const m = /^([A-Za-z]*)0*(\d+)$/.exec(number || '');
  if (!m) return number || '';
  const letters = m[1].toUpperCase().split('');
  return letters.concat([String(parseInt(m[2], 10))]).join(' ');
}

/** The announcement of a call in a language, or null without a translation. */
export function announcementText(call, lang) {
  const own = baseLanguage(lang);
  if (!app.texts.has(own)) return null;
  const name = deskName(call, lang);
  // "Desk 5" -> "desk 5" in the language; other names are read as they are.
  const numbered = /^\D*?(\d+)\s*$/.exec(name);
  const map = app.texts.maps.get(own);
  const id = numbered ? 'announce' : 'announce_named';
  if (map[id] == null) return null;
  return app.texts.t(id, { number: spokenNumber(call.number), desk: numbered ? numbered[1] : name }, own);
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `begin(finish)` and resolves once it calls `finish`, or after
 * `limitMs` (calling `timedOut` first); `cleanup` runs once either way.
 */
function settle({ limitMs, begin, timedOut = () => {}, cleanup }) {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      timedOut();
      finish();
    }, limitMs);
    begin(finish);
  });
}

class Announcer {
  constructor() {
    this.queue = [];
    this.running = false;
    this.current = null; // the utterance speaking (kept so it is not collected)
    this.audio = null;
    this.serverMissingUntil = 0;
  }

  add(call) {
    const config = app.config;
    const voice = config.voice && config.audio !== 'off';
    if (!voice && !config.chime) return;
    const parts = [];
    if (voice) {
      const seen = new Set();
      for (const lang of config.languages) {
        const text = announcementText(call, lang);
        if (!text || seen.has(lang)) continue;
        seen.add(lang);
        parts.push({ lang, text });
      }
    }
    if (this.queue.length >= MAX_QUEUED) this.queue.shift();
    this.queue.push({ chime: config.chime, parts, audio: config.audio });
    if (!this.running) this.run();
  }

  async run() {
    this.running = true;
    while (this.queue.length) {
      const item = this.queue.shift();
      try {
        if (item.chime) await this.chime();
        for (let i = 0; i < item.parts.length; i++) {
          if (i > 0) await wait(400);
          await this.say(item.parts[i], item.audio);
        }
      } catch (e) {
        console.warn('announcement failed', e);
      }
      await wait(600);
    }
    this.running = false;
  }

  say(part, audio) {
    if (audio === 'server') return this.playServer(part);
    const voice = this.voiceFor(part.lang);
    if (voice) return this.speak(part, voice);
    return this.playServer(part);
  }

  voiceFor(lang) {
    const synth = window.speechSynthesis;
    if (!synth || typeof window.SpeechSynthesisUtterance !== 'function') return null;
    let voices = [];
    try {
      voices = synth.getVoices() || [];
    } catch (e) {
      return null;
    }
    const want = lang.toLowerCase();
    const base = baseLanguage(lang);
    const norm = (v) => String(v.lang || '').toLowerCase().replace('_', '-');
    let best = null;
    for (const v of voices) {
      const l = norm(v);
      if (l === want) return v;
      if (!best && (l === base || l.split('-')[0] === base)) best = v;
    }
    return best;
  }

  speak(part, voice) {
    const synth = window.speechSynthesis;
    const u = new SpeechSynthesisUtterance(part.text);
    u.lang = voice.lang || part.lang;
    u.voice = voice;
    u.rate = 0.9;
    return settle({
      // Some engines never report the end: do not wait for ever.
      limitMs: 5000 + part.text.length * 200,
      begin: (finish) => {
        u.onend = finish;
        u.onerror = finish;
        this.current = u;
        synth.speak(u);
      },
      timedOut: () => {
        try {
          synth.cancel();
        } catch (e) {
          // ignore
        }
      },
      cleanup: () => {
        u.onend = null;
        u.onerror = null;
        if (this.current === u) this.current = null;
      },
    });
  }

  async playServer(part) {
    if (Date.now() < this.serverMissingUntil) return;
    const params = new URLSearchParams({ text: part.text, lang: part.lang });
    let res;
    try {
      res = await send('GET', `/api/v1/branches/${app.branchId}/announce?${params}`, { token: app.token });
    } catch (e) {
      return;
    }
    if (res.status === 503) {
      // No espeak-ng on the server: stop asking for a while.
      this.serverMissingUntil = Date.now() + REFRESH_MS;
      return;
    }
    if (!res.ok) return;
    const url = URL.createObjectURL(await res.blob());
    try {
      await this.playUrl(url, 30000);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  playUrl(url, limitMs) {
    if (!this.audio) this.audio = new Audio();
    const audio = this.audio;
    return settle({
      limitMs,
      begin: (finish) => {
        audio.onended = finish;
        audio.onerror = finish;
        audio.src = url;
        const played = audio.play();
        if (played && played.catch) played.catch(finish);
      },
      cleanup: () => {
        audio.onended = null;
        audio.onerror = null;
        audio.pause();
        audio.removeAttribute('src');
        audio.load();
      },
    });
  }

  /** The waiting room's chime, then the time it takes to sound. */
  async chime() {
    if (await chime(ROOM, { length: 0.9, volume: 0.35 })) await wait(1450);
  }
}

const announcer = new Announcer();

/** A live call to announce: not from a snapshot, and not stale. */
function freshCall(state, msg) {
  if (msg.type !== 'ticket.called' && msg.type !== 'ticket.recalled') return null;
  const call = state.calls[0];
  if (!call || call.seq !== msg.seq) return null;
  if (typeof msg.at === 'number' && serverNow() - msg.at > ANNOUNCE_MAX_AGE_MS) return null;
  return call;
}

// ---------- start-up ----------

function setConnection(status) {
  const mark = $('connection');
  if (mark.getAttribute('data-state') !== status) mark.setAttribute('data-state', status);
}

function showSetup(textKey) {
  document.body.classList.add('needs-setup');
  $('setup').hidden = false;
  const p = $('setup-text');
  p.setAttribute('data-i18n', textKey);
  setText(p, t(textKey));
}

function startLive() {
  if (app.live) app.live.close();
  app.previousKey = '';
  app.live = new LiveConnection({
    branchId: app.branchId,
    token: app.token,
    // No filters here: the server applies the device's own `services` and
    // `desks` settings, read when the connection opens.
    onStatus: setConnection,
    onState: (state, msg) => {
      if (msg.type === 'snapshot' || msg.type === 'branch.updated') {
        applySettings(state.branch);
      }
      // A (re)connected page reads the predicted waits at once; changes to
      // the queues re-read them shortly after, a burst of events once.
      app.forecasts.follow(msg);
      render();
      const call = freshCall(state, msg);
      if (call) {
        highlight();
        announcer.add(call);
      }
    },
  });
}

/** Applies the device config (again); reconnects when the filters changed. */
function applySettings(branch) {
  const next = settings(app.rawConfig, branch);
  const before = app.config;
  app.config = next;
  if (before && (!sameIds(before.services, next.services) || !sameIds(before.desks, next.desks))) {
    startLive();
    return;
  }
  applyLabels();
  loadMessages(next.languages).then((loaded) => {
    if (loaded) {
      applyLabels();
      render();
    }
  });
}

/** Reads who this display is and its settings; retries until it can. */
async function readDevice() {
  let delay = 1000;
  for (;;) {
    try {
      const me = await deviceIdentity(app.token);
      const device = await api(app.token, 'GET', `/api/v1/devices/${me.device_id}`);
      return { branchId: me.branch_id, deviceId: me.device_id, config: device.config || {} };
    } catch (e) {
      if (e.status === 401 || e.status === 403) showSetup('token_rejected');
      setConnection('offline');
      await wait(delay);
      delay = Math.min(delay * 2, 30000);
    }
  }
}

async function refresh() {
  try {
    const device = await api(app.token, 'GET', `/api/v1/devices/${app.deviceId}`);
    if (JSON.stringify(device.config || {}) !== JSON.stringify(app.rawConfig)) {
      app.rawConfig = device.config || {};
      applySettings(app.live && app.live.state.branch);
      render();
    }
  } catch (e) {
    // Offline or restarting: the next refresh tries again.
  }
  await syncClock();
}

async function main() {
  app.config = settings({}, null);
  await loadMessages(app.config.languages);
  applyLabels();
  tick();
  app.token = deviceToken(TOKEN_KEY);
  if (!app.token) {
    setConnection('offline');
    showSetup('setup_text');
    return;
  }
  await syncClock();
  const device = await readDevice();
  document.body.classList.remove('needs-setup');
  $('setup').hidden = true;
  app.branchId = device.branchId;
  app.deviceId = device.deviceId;
  app.rawConfig = device.config;
  app.config = settings(app.rawConfig, null);
  await loadMessages(app.config.languages);
  applyLabels();
  startLive();
  setInterval(refresh, REFRESH_MS);
  setInterval(turnServicePage, ROTATE_MS);
  window.addEventListener('resize', paginateServices);
  app.forecasts.start();
}

// For tests and for debugging on a TV: the page's parts, read-only use.
window.waitwellDisplay = { app, announcer };

main();
