// Staffing advice for a chosen business day (today by default), from
// GET /api/v1/branches/{id}/staffing?day=: per hour and service the desks
// needed to call the target share of visitors within the service standard,
// next to the desk-hours that were open (none for a future day).
//
// Shown twice: as the server-drawn bar chart of the reports
// (…/staffing.svg, all services summed per hour, through reports.js's
// showChart) and as a table of hours × services with a "needed" and an
// "open" column per service. A cell where fewer desks were open than
// needed says so in words ("too few"), not only in colour.
//
// The table lists the hours that have something to say (a forecast, a
// desk needed or open) and the branch's opening hours of that weekday;
// all 24 when there is neither.
//
// Below it, "What if…": the manager lists changes to the rest of today's
// plan (a desk opens, for some services or its own allocation, or takes a
// break, each from and to a time of the branch's clock) and the server
// plays the rest of the day twice, as planned now and with the changes
// (POST …/staffing/what-if; nothing in the office changes). The answer is
// a sentence and a table per service: share called within the standard,
// longest wait and visitors not called, now and with the changes. The
// form is the list of change rows; it is read from the page whenever it is
// drawn again (new language, desks or services changed), so what was
// typed stays.

import { $, ctx, call, items, el, notice, attempt, clock, t, texts, branchToday } from './util.js';
import { showChart } from './reports.js';

/** API weekday (`Mon`) to the opening hours' key (`mon`). */
const weekdayKey = (w) => String(w || '').slice(0, 3).toLowerCase();

const st = { advice: null, urls: [] };

export function reset() {
  st.advice = null;
  for (const u of st.urls) URL.revokeObjectURL(u);
  st.urls = [];
  $('staffing-day').value = '';
  for (const id of ['staffing-chart', 'staffing-table', 'staffing-summary']) $(id).replaceChildren();
  resetWhatIf();
}

export function bind() {
  $('staffing-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
  });
  bindWhatIf();
}

export function show() {
  if (!$('staffing-day').value) $('staffing-day').value = branchToday();
  if (!st.advice) load();
  else render();
  showWhatIf();
}

/** Redraws in the console's new language (the chart is drawn again). */
export function retranslate() {
  if (st.advice) {
    render();
    drawChart();
  }
  drawWhatIf();
}

export function onLive(state, msg) {
  if (!wi.loaded) return;
  if (/^(desk|service)\.(created|updated)$/.test(msg.type)) {
    clearTimeout(wi.reloadTimer);
    wi.reloadTimer = setTimeout(loadWhatIfLists, 300);
  } else if (msg.type === 'snapshot' || msg.type.startsWith('desk.')) {
    showDeskStatus();
  }
}

async function load() {
  const day = $('staffing-day').value || branchToday();
  const advice = await attempt(t('loading-staffing'), () => call('GET', `/api/v1/branches/${ctx.branchId}/staffing?day=${encodeURIComponent(day)}`));
  if (!advice) return;
  st.advice = advice;
  render();
  await drawChart();
}

function drawChart() {
  const a = st.advice;
  const q = new URLSearchParams({ day: a.day, lang: texts.lang });
  return showChart('staffing-chart', `/api/v1/branches/${ctx.branchId}/staffing.svg?${q}`,
    t('staffing-chart-alt', { day: a.day }), st.urls);
}

/** Desk-hours as shown: whole numbers plain, else one decimal. */
const deskHours = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** The hours of the day the table lists (see the module comment). */
function hoursShown(a) {
  const shown = new Set();
  for (const s of a.services) {
    for (const h of s.hours) {
      if (h.forecast_arrivals > 0 || h.desks_needed > 0 || h.desks_open > 0) shown.add(h.hour);
    }
  }
  const opening = ctx.branch && ctx.branch.appointments && ctx.branch.appointments.opening_hours;
  for (const [from, to] of (opening && opening[weekdayKey(a.weekday)]) || []) {
    const first = Number(from.slice(0, 2));
    const last = Number(to.slice(0, 2)) - (to.slice(3, 5) === '00' ? 1 : 0);
    for (let h = first; h <= last; h += 1) shown.add(h);
  }
  if (!shown.size) for (let h = 0; h < 24; h += 1) shown.add(h);
  return [...shown].sort((x, y) => x - y);
}

/** "A · Passports" (the live state has the names; the advice only codes). */
function serviceName(s) {
  const live = ctx.state && ctx.state.services.get(s.service_id);
  return live ? `${s.code} · ${live.name}` : s.code;
}

const hourLabel = (h) => `${String(h).padStart(2, '0')}:00–${String((h + 1) % 24).padStart(2, '0')}:00`;

function render() {
  const a = st.advice;
  $('staffing-hint').textContent = t('staffing-hint', { share: Math.round(a.target_share * 100) });
  const future = a.services.every((s) => s.hours.every((h) => h.desks_open == null));
  const hours = hoursShown(a);
  let short = 0;
  const head = el('thead', {},
    el('tr', {},
      el('th', { scope: 'col', rowSpan: 2, text: t('col-hour') }),
      ...a.services.map((s) => el('th', { scope: 'colgroup', colspan: '2', class: 'svc', 'data-service-id': String(s.service_id), text: serviceName(s) }))),
    el('tr', {}, ...a.services.flatMap(() => [
      el('th', { scope: 'col', class: 'n', text: t('col-needed') }),
      el('th', { scope: 'col', class: 'n', text: t('col-open') }),
    ])));
  const rows = hours.map((h) => el('tr', { 'data-hour': String(h) },
    el('th', { scope: 'row', text: hourLabel(h) }),
    ...a.services.flatMap((s) => {
      const x = s.hours.find((v) => v.hour === h) || {};
      const needed = x.desks_needed;
      const open = x.desks_open;
      const tooFew = needed != null && open != null && open < needed;
      if (tooFew) short += 1;
      return [
        el('td', { class: 'n', text: needed == null ? '–' : String(needed) }),
        el('td', { class: tooFew ? 'n short' : 'n', 'data-short': tooFew ? 'true' : null },
          open == null ? '–' : deskHours(open),
          tooFew ? el('span', { class: 'short-mark', text: ` ${t('too-few')}` }) : null),
      ];
    })));
  $('staffing-table').replaceChildren(
    el('caption', { text: t('staffing-caption', { day: a.day, timezone: a.timezone }) }),
    head,
    el('tbody', {}, ...rows));
  const summary = [
    a.history_days ? t('history-days', { count: a.history_days }) : t('no-history'),
    future ? t('future-day') : short ? t('short-hours', { count: short }) : t('no-short-hours'),
  ];
  $('staffing-summary').textContent = summary.join(' ');
}

// ---------- what if ----------

/** Most changes one question may name (the server's MAX_PLAN_CHANGES). */
const MAX_CHANGES = 50;

const wi = {
  loaded: false,
  desks: [], // the branch's active desks, by name
  services: [], // its active services
  answer: null, // the last answer, drawn again in a new language
  busy: false, // a simulation is under way: another submit waits for it
  reloadTimer: null,
};

/** A change row as the form starts it: no desk chosen yet, "opens". */
const emptyChange = () => ({ desk: '', action: 'open', from: '', to: '', services: [] });

function resetWhatIf() {
  clearTimeout(wi.reloadTimer);
  Object.assign(wi, { loaded: false, desks: [], services: [], answer: null });
  drawChanges([emptyChange()], null);
  drawAnswer();
}

function bindWhatIf() {
  $('what-if-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    simulate();
  });
  $('what-if-add').addEventListener('click', addChange);
  const list = $('what-if-changes');
  list.addEventListener('click', (ev) => {
    const button = ev.target.closest('button[data-field="remove"]');
    if (button) removeChange(rowIndex(button));
  });
  list.addEventListener('change', (ev) => {
    if (ev.target.dataset.field !== 'action') return;
    const services = ev.target.closest('li').querySelector('.what-if-services');
    if (services) services.hidden = ev.target.value !== 'open';
  });
  // A row the server refused is marked until it is edited.
  list.addEventListener('input', (ev) => unmark(ev.target.closest('li')));
}

function showWhatIf() {
  if (!wi.loaded) loadWhatIfLists();
}

/** Redraws the form (as typed) and the last answer in the current language. */
function drawWhatIf() {
  const rows = readChanges();
  drawChanges(rows.length ? rows : [emptyChange()]);
  drawAnswer();
}

/** The desks and services a change can name. */
async function loadWhatIfLists() {
  const b = ctx.branchId;
  const lists = await attempt(t('loading-what-if'), () => Promise.all([
    call('GET', `/api/v1/branches/${b}/desks`),
    call('GET', `/api/v1/branches/${b}/services`),
  ]));
  if (!lists || b !== ctx.branchId) return;
  wi.desks = items(lists[0]).filter((d) => d.active)
    .sort((x, y) => x.name.localeCompare(y.name, undefined, { numeric: true }));
  wi.services = items(lists[1]).filter((s) => s.active);
  wi.loaded = true;
  const rows = readChanges();
  drawChanges(rows.length ? rows : [emptyChange()]);
}

/** A desk's status now: the live state's, else the one read with the list. */
function deskStatus(d) {
  const live = ctx.state && ctx.state.desks.get(d.id);
  return (live || d).status;
}

const deskOption = (d) => t('what-if-desk-option', { desk: d.name, status: t(`desk-${deskStatus(d)}`) });

/** Keeps the desks' statuses in the choices current, without redrawing
 *  the rows (a select being used stays open). */
function showDeskStatus() {
  for (const option of document.querySelectorAll('#what-if-changes option[data-desk-id]')) {
    const d = wi.desks.find((x) => String(x.id) === option.dataset.deskId);
    const text = d ? deskOption(d) : option.textContent;
    if (option.textContent !== text) option.textContent = text;
  }
}

/** The position of the change row holding `node`. */
const rowIndex = (node) => [...$('what-if-changes').children].indexOf(node.closest('li'));

/** The change rows as typed. */
function readChanges() {
  return [...$('what-if-changes').children].map((li) => {
    const value = (field) => li.querySelector(`[data-field="${field}"]`).value;
    return {
      desk: value('desk'),
      action: value('action'),
      from: value('from'),
      to: value('to'),
      services: [...li.querySelectorAll('[data-field="service"]:checked')].map((c) => c.value),
    };
  });
}

/** The field that has the focus, to give it back after a redraw. */
function focusedField() {
  const active = document.activeElement;
  const li = active && active.closest && active.closest('#what-if-changes > li');
  if (!li) return null;
  const field = active.dataset.field;
  return {
    index: rowIndex(li),
    selector: field === 'service' ? `[data-field="service"][value="${active.value}"]` : `[data-field="${field || 'desk'}"]`,
  };
}

/** Draws the change rows; `focus` ({index, selector}) gets the focus
 *  afterwards (by default the field that had it). */
function drawChanges(rows, focus = focusedField()) {
  const list = $('what-if-changes');
  list.replaceChildren(...rows.map((row, i) => changeRow(row, i, rows.length)));
  $('what-if-add').disabled = rows.length >= MAX_CHANGES;
  const row = focus && list.children[focus.index];
  const target = row && row.querySelector(focus.selector);
  if (target) target.focus();
}

function changeRow(row, i, count) {
  const n = i + 1;
  // Ids by position: the rows are drawn anew whenever one comes or goes.
  const id = (field) => `what-if-${n}-${field}`;
  const desk = el('select', { id: id('desk'), 'data-field': 'desk', required: true },
    el('option', { value: '', text: t('what-if-choose-desk') }),
    ...wi.desks.map((d) => el('option', { value: String(d.id), 'data-desk-id': String(d.id), text: deskOption(d) })));
  desk.value = row.desk;
  const action = el('select', { id: id('action'), 'data-field': 'action' },
    el('option', { value: 'open', text: t('what-if-opens') }),
    el('option', { value: 'break', text: t('what-if-break') }));
  action.value = row.action;
  // Each label beside its control, not around it: a select's options
  // would otherwise be read as part of its name.
  const field = (name, label, control) => el('div', { class: 'what-if-field' },
    el('label', { for: id(name) }, ...label), control);
  const time = (name, hint, value) => field(name, [t(name), ' ', el('span', { class: 'hint', text: t(hint) })],
    el('input', { id: id(name), type: 'time', 'data-field': name, value }));
  const services = wi.services.length ? el('fieldset', { class: 'what-if-services', hidden: row.action !== 'open' },
    el('legend', {}, t('what-if-services'), ' ', el('span', { class: 'hint', text: t('what-if-services-hint') })),
    el('div', { class: 'what-if-checks' }, ...wi.services.map((s) => el('label', { for: id(`service-${s.id}`) },
      el('input', { id: id(`service-${s.id}`), type: 'checkbox', 'data-field': 'service', value: String(s.id), checked: row.services.includes(String(s.id)) }),
      ` ${s.code} · ${s.name}`)))) : null;
  return el('li', { class: 'what-if-change' },
    el('fieldset', {},
      el('legend', { text: t('what-if-change-n', { n }) }),
      el('div', { class: 'what-if-fields' },
        field('desk', [t('col-desk')], desk),
        field('action', [t('what-if-action')], action),
        time('from', 'what-if-from-hint', row.from),
        time('to', 'what-if-to-hint', row.to),
        // One change cannot be taken away: the form always asks something.
        count > 1 ? el('button', { type: 'button', class: 'small', 'data-field': 'remove', text: t('what-if-remove'), 'aria-label': t('what-if-remove-n', { n }) }) : null),
      services));
}

function addChange() {
  const rows = readChanges();
  if (rows.length >= MAX_CHANGES) return;
  rows.push(emptyChange());
  drawChanges(rows, { index: rows.length - 1, selector: '[data-field="desk"]' });
}

/** Takes row `i` away; the focus goes to the row that takes its place
 *  (the one before when it was the last). */
function removeChange(i) {
  const rows = readChanges();
  if (i < 0 || rows.length < 2) return;
  rows.splice(i, 1);
  drawChanges(rows, { index: Math.min(i, rows.length - 1), selector: '[data-field="desk"]' });
  notice(t('what-if-removed', { n: i + 1 }));
}

/** The request body for the rows: empty times are the server's defaults
 *  (now, the end of the day); no service ticked is the desk's allocation. */
function question(rows) {
  return {
    changes: rows.map((r) => {
      const change = { desk_id: Number(r.desk), action: r.action };
      if (r.from) change.from = r.from.slice(0, 5);
      if (r.to) change.to = r.to.slice(0, 5);
      if (r.action === 'open' && r.services.length) change.service_ids = r.services.map(Number);
      return change;
    }),
  };
}

/** Marks change row `li` as refused for `reason`: the reason is shown in
 *  the row and describes its first field, which gets the focus (the
 *  alert at the top of the page may be out of sight). */
function mark(li, reason) {
  li.classList.add('invalid');
  const id = `${li.querySelector('[data-field="desk"]').id}-error`;
  li.querySelector('.what-if-fields').before(el('p', { class: 'what-if-error', id, text: reason }));
  const desk = li.querySelector('[data-field="desk"]');
  desk.setAttribute('aria-describedby', id);
  desk.focus();
}

function unmark(li) {
  if (!li || !li.classList.contains('invalid')) return;
  li.classList.remove('invalid');
  li.querySelector('.what-if-error')?.remove();
  li.querySelector('[data-field="desk"]').removeAttribute('aria-describedby');
}

async function simulate() {
  if (wi.busy) return;
  const list = $('what-if-changes');
  for (const li of list.children) unmark(li);
  // The server names a refused change "changes[i]: …": said here as the
  // row's own name, and the focus goes to that row.
  let refused = null;
  let reason = '';
  wi.busy = true;
  $('what-if-form').setAttribute('aria-busy', 'true');
  try {
    const answer = await attempt(t('what-if-simulating'), async () => {
      try {
        return await call('POST', `/api/v1/branches/${ctx.branchId}/staffing/what-if`, question(readChanges()));
      } catch (err) {
        const m = /^changes\[(\d+)\]:\s*/.exec(err.message || '');
        if (m) {
          refused = Number(m[1]);
          reason = err.message.slice(m[0].length);
          err.message = `${t('what-if-change-n', { n: refused + 1 })}: ${reason}`;
        }
        throw err;
      }
    });
    // An answer for other changes than those on the form would mislead.
    wi.answer = answer || null;
    drawAnswer();
    const row = refused == null ? null : list.children[refused];
    if (row) mark(row, reason);
  } finally {
    wi.busy = false;
    $('what-if-form').removeAttribute('aria-busy');
  }
}

// Figures in the console's language: "82%" or "82 %", "2.5" or "2,5".
const percent = (v) => new Intl.NumberFormat(texts.lang, { style: 'percent', maximumFractionDigits: 0 }).format(v);
const visitors = (v) => new Intl.NumberFormat(texts.lang, { maximumFractionDigits: 1 }).format(v);
const minutes = (s) => t('what-if-minutes', { min: Math.round(s / 60) });

/** A figure for a sentence; null (no visitors) in words. */
const said = (v, format) => (v == null ? t('what-if-none') : format(v));

/** A table cell of a figure: null shows "–" and says "no visitors". */
function figureCell(v, format, scenario) {
  return el('td', { class: scenario ? 'n scenario' : 'n' },
    scenario ? el('span', { class: 'arrow', 'aria-hidden': 'true', text: '→ ' }) : null,
    ...(v == null
      ? [el('span', { 'aria-hidden': 'true', text: '–' }), el('span', { class: 'visually-hidden', text: t('what-if-none') })]
      : [format(v)]));
}

/** The cells of one row: visitors, then each figure now and with the changes. */
function figureCells(before, after) {
  return [
    el('td', { class: 'n', text: visitors(before.visitors) }),
    ...[['share_within', percent], ['longest_wait_s', minutes], ['not_called', visitors]].flatMap(([key, format]) => [
      figureCell(before[key], format, false),
      figureCell(after[key], format, true),
    ]),
  ];
}

/** The answer in one or two sentences. */
function summaryOf(a) {
  const [before, after] = [a.baseline, a.scenario];
  if (before.share_within == null && after.share_within == null) return t('what-if-no-visitors');
  const text = [t('what-if-summary', {
    share: said(after.share_within, percent),
    share_now: said(before.share_within, percent),
    longest: said(after.longest_wait_s, minutes),
    longest_now: said(before.longest_wait_s, minutes),
  })];
  if (before.not_called > 0 || after.not_called > 0) {
    text.push(t('what-if-summary-not-called', { visitors: visitors(after.not_called), now: visitors(before.not_called) }));
  }
  return text.join(' ');
}

function drawAnswer() {
  const a = wi.answer;
  $('what-if-result').hidden = !a;
  if (!a) {
    $('what-if-summary').textContent = '';
    $('what-if-note').textContent = '';
    $('what-if-table').replaceChildren();
    return;
  }
  $('what-if-summary').textContent = summaryOf(a);
  $('what-if-note').textContent = [
    t('what-if-period', { from: clock(a.from_ms), until: clock(a.until_ms), timezone: a.timezone, runs: a.runs }),
    a.history_days ? t('what-if-history', { count: a.history_days }) : t('what-if-no-history'),
  ].join(' ');
  const group = (id) => el('th', { scope: 'colgroup', colspan: '2', class: 'c', text: t(id) });
  const pair = () => [
    el('th', { scope: 'col', class: 'n', text: t('what-if-now') }),
    el('th', { scope: 'col', class: 'n', text: t('what-if-with-changes') }),
  ];
  $('what-if-table').replaceChildren(
    el('caption', { id: 'what-if-caption', text: t('what-if-caption', { day: a.day }) }),
    el('colgroup', {}, el('col')),
    el('colgroup', {}, el('col')),
    ...[1, 2, 3].map(() => el('colgroup', { span: 2 })),
    el('thead', {},
      el('tr', {},
        el('th', { scope: 'col', rowSpan: 2, text: t('col-service') }),
        el('th', { scope: 'col', rowSpan: 2, class: 'n', text: t('what-if-visitors') }),
        group('what-if-within'),
        group('what-if-longest'),
        group('what-if-not-called')),
      el('tr', {}, ...pair(), ...pair(), ...pair())),
    el('tbody', {}, ...a.services.map((s) => el('tr', { 'data-service-id': String(s.service_id) },
      el('th', { scope: 'row' }, serviceName(s), ' ', el('span', { class: 'hint', text: t('what-if-standard', { standard: minutes(s.standard_wait_s) }) })),
      ...figureCells(s.baseline, s.scenario)))),
    el('tfoot', {}, el('tr', { 'data-service-id': 'all' },
      el('th', { scope: 'row', text: t('what-if-all-services') }),
      ...figureCells(a.baseline, a.scenario))));
}
