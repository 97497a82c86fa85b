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

import { $, ctx, call, el, attempt, t, texts, branchToday } from './util.js';
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
}

export function bind() {
  $('staffing-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
  });
}

export function show() {
  if (!$('staffing-day').value) $('staffing-day').value = branchToday();
  if (!st.advice) load();
  else render();
}

/** Redraws in the console's new language (the chart is drawn again). */
export function retranslate() {
  if (st.advice) {
    render();
    drawChart();
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
