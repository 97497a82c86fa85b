// The public service-standard page. With ?branch=ID: the office's
// published standard per service, its waits now, how the last complete
// business days measured up (share within the standard, median and 90th
// percentile, average rating, prediction accuracy) and the "best time to
// come" table per service, all from GET /api/v1/public/branches/{id}/performance.
// Without it: the organisation page, every active office from
// GET /api/v1/public/branches with a link here.
//
// Figures the server withheld (taken over fewer than 5 visitors) arrive as
// null and are shown as "–", with the explanation under the tables. When
// the answer carries an `audit_checkpoint` (the office's latest signed
// chain head) it is shown too; otherwise that section stays hidden.
//
// Texts are i18n/<lang>/standards.ftl (web/common/i18n.js); weekday names,
// numbers and percentages come from the browser's Intl in the page's
// language.

import { request, ApiError } from '/common/api.js';
import { $, el, storageGet, storageSet } from '/common/dom.js';
import { Translator, renderLanguageButtons } from '/common/i18n.js';

/** Shared with the office and ticket pages: a visitor's choice holds. */
const LANG_KEY = 'waitwell.ticket.lang';

const texts = new Translator('standards');

const branchId = new URLSearchParams(location.search).get('branch');

const state = { lang: 'en', languages: ['en'], data: null, offices: null };

function t(id, vars) {
  return texts.t(id, vars, state.lang) || '';
}

function show(id) {
  for (const other of ['loading', 'not-found', 'offline', 'organisation', 'performance']) $(other).hidden = other !== id;
}

function number(v, options) {
  return new Intl.NumberFormat(state.lang, options).format(v);
}

/** Whole minutes, at least 1 for a wait over zero ("12 min"). */
function minutes(s) {
  const m = s > 0 ? Math.max(1, Math.round(s / 60)) : 0;
  return t('minutes', { m: number(m) });
}

function percent(share) {
  return number(share, { style: 'percent', maximumFractionDigits: 0 });
}

/** A figure, or "–" with its reason for screen readers when withheld. */
function figure(value, format) {
  if (value == null) {
    return el('span', { class: 'suppressed' },
      el('span', { 'aria-hidden': 'true', text: '–' }),
      el('span', { class: 'visually-hidden', text: t('suppressed-label') }));
  }
  return document.createTextNode(format(value));
}

/** ISO weekday 1 (Monday) to 7 in the page's language: 2024-01-01 was a Monday. */
function weekdayName(day, style = 'long') {
  return new Intl.DateTimeFormat(state.lang, { weekday: style, timeZone: 'UTC' })
    .format(new Date(Date.UTC(2024, 0, day)));
}

function hourName(h) {
  return `${String(h).padStart(2, '0')}:00`;
}

function serviceName(s) {
  return `${s.code} · ${(s.names && s.names[state.lang]) || s.name}`;
}

function renderLanguages() {
  renderLanguageButtons($('languages'), texts, state.languages, state.lang, (lang) => {
    state.lang = lang;
    storageSet(LANG_KEY, lang);
    render();
  });
}

function renderNow(p) {
  $('now').replaceChildren(...p.services.map((s) => {
    const r = s.now.predicted_range_s;
    let wait = t('no-desk-open');
    if (!s.now.no_open_desk && r) {
      const low = Math.floor(r[0] / 60);
      wait = t('range', { low: number(low), high: number(Math.max(Math.ceil(r[1] / 60), low + 1)) });
    }
    return el('li', {},
      el('span', { class: 'name', text: serviceName(s) }),
      el('span', { class: 'meta', text: `${t('now-waiting', { n: number(s.now.waiting) })} · ${wait}` }));
  }));
}

/** One term of a card: a div around its dt and dd, so that on a narrow
 *  screen the figure wraps under its label. */
function row(label, value) {
  return el('div', {}, el('dt', { text: label }), el('dd', {}, value));
}

function renderResults(p) {
  $('results').replaceChildren(...p.services.map((s) => {
    const pr = s.prediction;
    const prediction = pr.mean_abs_error_s == null
      ? figure(null)
      : document.createTextNode(t('prediction-value', {
        m: minutes(pr.mean_abs_error_s),
        share: pr.within_range == null ? '–' : percent(pr.within_range),
      }));
    const rating = s.rating.avg_rating == null
      ? figure(null)
      : document.createTextNode(t('rating-value', {
        avg: number(s.rating.avg_rating, { maximumFractionDigits: 1 }),
        n: number(s.rating.ratings),
      }));
    return el('article', { class: 'service-card' },
      el('h3', { text: serviceName(s) }),
      el('dl', {},
        row(t('standard'), document.createTextNode(t('standard-value', { m: minutes(s.standard_wait_s) }))),
        row(t('visitors'), figure(s.visitors, (v) => number(v))),
        row(t('within'), figure(s.within_standard, percent)),
        row(t('median'), figure(s.median_wait_s, minutes)),
        row(t('p90'), figure(s.p90_wait_s, minutes)),
        row(t('rating'), rating),
        row(t('prediction'), prediction)));
  }));
}

/** The weekday × hour table of one service: rows are hours, columns the
 *  weekdays with any visitor; each cell the median wait and the visitors. */
function bestTable(s, index) {
  const cells = s.best_time;
  if (!cells.length) return el('p', { class: 'hint', text: `${serviceName(s)}: ${t('no-visitors')}` });
  const days = [...new Set(cells.map((c) => c.weekday))].sort((a, b) => a - b);
  const hours = cells.map((c) => c.hour);
  const first = Math.min(...hours);
  const last = Math.max(...hours);
  const at = new Map(cells.map((c) => [`${c.weekday}-${c.hour}`, c]));
  const published = cells.filter((c) => !c.suppressed);
  const best = published.reduce((b, c) => (b == null || c.median_wait_s < b.median_wait_s ? c : b), null);
  const captionId = `best-caption-${index}`;
  const head = el('tr', {}, el('th', { scope: 'col', text: t('hour') }),
    ...days.map((d) => el('th', { scope: 'col' },
      el('span', { 'aria-hidden': 'true', text: weekdayName(d, 'short') }),
      el('span', { class: 'visually-hidden', text: weekdayName(d) }))));
  const body = [];
  for (let h = first; h <= last; h++) {
    body.push(el('tr', {}, el('th', { scope: 'row', text: hourName(h) }), ...days.map((d) => {
      const c = at.get(`${d}-${h}`);
      if (!c) return el('td', { class: 'empty' }, el('span', { class: 'visually-hidden', text: t('no-visitors') }));
      if (c.suppressed) return el('td', { class: 'withheld' }, figure(null));
      return el('td', { class: c === best ? 'best' : null },
        el('span', { class: 'wait', text: minutes(c.median_wait_s) }),
        el('span', { class: 'count', text: t('cell-visitors', { n: number(c.visitors) }) }));
    })));
  }
  const table = el('table', { class: 'best-time' },
    el('caption', { id: captionId, text: t('best-caption', { service: serviceName(s) }) }),
    el('thead', {}, head),
    el('tbody', {}, ...body));
  // A two-way table needs its two dimensions (WCAG 1.4.10's exception):
  // on a narrow screen it scrolls inside its own box, the page does not.
  const scroller = el('div', { class: 'scroll', role: 'region', 'aria-labelledby': captionId, tabIndex: 0 }, table);
  const summary = best
    ? el('p', { class: 'summary', text: t('best-summary', { day: weekdayName(best.weekday), hour: hourName(best.hour), m: minutes(best.median_wait_s) }) })
    : null;
  return el('div', { class: 'best-block' }, summary, scroller);
}

function renderAudit(p) {
  const a = p.audit_checkpoint;
  $('audit').hidden = !a;
  if (!a) {
    $('audit-fields').replaceChildren();
    return;
  }
  const fields = [['seq', 'audit-seq'], ['day', 'audit-day'], ['hash', 'audit-hash'], ['signature', 'audit-signature'], ['public_key', 'audit-key']];
  $('audit-fields').replaceChildren(...fields.filter(([k]) => a[k] != null).flatMap(([k, id]) => [
    el('dt', { text: t(id) }),
    el('dd', {}, el('code', { text: String(a[k]) })),
  ]));
}

function renderPerformance() {
  const p = state.data;
  $('office').textContent = p.name;
  document.title = `${t('title')} – ${p.name}`;
  $('intro').textContent = t('intro', { days: number(p.days), from: p.from, to: p.to });
  $('best-hint').textContent = t('best-hint', { tz: p.timezone });
  renderNow(p);
  renderResults(p);
  $('best').replaceChildren(...p.services.map(bestTable));
  renderAudit(p);
  const base = `/api/v1/public/branches/${encodeURIComponent(branchId)}/performance`;
  $('json-link').href = base;
  $('csv-link').href = `${base}.csv`;
  $('take-link').href = `/office/?branch=${encodeURIComponent(branchId)}&lang=${encodeURIComponent(state.lang)}`;
  $('take-link').hidden = false;
  show('performance');
}

function renderOrganisation() {
  document.title = `${t('org-title')} – Waitwell`;
  $('no-offices').hidden = state.offices.length > 0;
  $('branches').replaceChildren(...state.offices.map((b) => el('li', {},
    el('a', { href: `/standards/?branch=${b.id}`, text: b.name }))));
  $('all-offices').hidden = true;
  show('organisation');
}

function render() {
  texts.lang = state.lang;
  texts.apply();
  renderLanguages();
  if (state.data) renderPerformance();
  else if (state.offices) renderOrganisation();
}

async function loadLanguages(wanted, offered) {
  for (const l of offered) {
    try { await texts.load(l); } catch { /* offline: English stays */ }
  }
  state.languages = offered.filter((l) => texts.has(l));
  if (!state.languages.length) state.languages = ['en'];
  state.lang = wanted && state.languages.includes(wanted) ? wanted : state.languages[0];
}

async function start() {
  const wanted = new URLSearchParams(location.search).get('lang') || storageGet(LANG_KEY);
  try {
    await texts.load('en');
  } catch {
    // No connection: the English in the page stays.
  }
  try {
    if (branchId != null) {
      if (!/^\d+$/.test(branchId)) throw new ApiError(404, null);
      state.data = await request('GET', `/api/v1/public/branches/${branchId}/performance`);
      await loadLanguages(wanted, state.data.languages);
    } else {
      state.offices = await request('GET', '/api/v1/public/branches');
      // The heading names the organisation page from now on.
      $('title').setAttribute('data-i18n', 'org-title');
      const offered = [...new Set(['en', ...state.offices.flatMap((b) => b.languages)])];
      await loadLanguages(wanted, offered);
    }
  } catch (e) {
    await loadLanguages(wanted, ['en']);
    render();
    show(e instanceof ApiError && e.status === 404 ? 'not-found' : 'offline');
    return;
  }
  render();
}

start();
