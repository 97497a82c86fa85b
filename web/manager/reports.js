// Reports for a chosen period of business days: the KPIs per service,
// desk and clerk, the two server-drawn SVG charts (texts in the console's
// language: the server draws them from manager.ftl, `lang=`), visitors' ratings and
// comments, the calls out of turn, and the CSV export.
//
// The charts and the CSV need the bearer token, which an <img src> or a
// plain link cannot send, so they are fetched and handed to the browser as
// blob URLs: an <img> for the charts (an SVG in an <img> runs no script)
// and a temporary download link for the CSV.

import { duration } from '/common/api.js';
import { $, ctx, call, el, attempt, clock, session, t, texts, branchToday } from './util.js';

const r = { loaded: false, urls: [], report: null, query: '' };

export function reset() {
  r.loaded = false;
  r.report = null;
  for (const u of r.urls) URL.revokeObjectURL(u);
  r.urls = [];
  for (const id of ['report-kpis', 'report-chart', 'report-waits-chart', 'report-services', 'report-desks', 'report-clerks', 'report-oot', 'report-oot-counts', 'report-feedback']) {
    $(id).replaceChildren();
  }
  $('report-from').value = '';
  $('report-to').value = '';
}

export function bind() {
  $('report-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
  });
  $('report-csv').addEventListener('click', downloadCsv);
}

/** Redraws the last report in the console's new language (the charts are
 *  fetched again: the server draws their texts). */
export function retranslate() {
  if (r.report) draw(r.report, r.query);
}

export function show() {
  if (!$('report-from').value) {
    const today = branchToday();
    $('report-from').value = today;
    $('report-to').value = today;
  }
  if (!r.loaded) load();
}

function period() {
  const p = new URLSearchParams({ from: $('report-from').value, to: $('report-to').value || $('report-from').value });
  return p.toString();
}

const base = () => `/api/v1/branches/${ctx.branchId}/reports`;

/** GET with the token, as a Response (for SVG and CSV bodies). */
const fetchRaw = (path) => session.fetch(path);

async function load() {
  const q = period();
  const report = await attempt(t('loading-report'), () => call('GET', `${base()}?${q}`));
  if (!report) return;
  r.loaded = true;
  await draw(report, q);
}

async function draw(report, q) {
  r.report = report;
  r.query = q;
  renderKpis(report);
  renderTables(report);
  renderOutOfTurn(report);
  renderFeedback(report.feedback);
  const lang = `&lang=${encodeURIComponent(texts.lang)}`;
  const period = { from: report.from, to: report.to };
  await Promise.all([
    chart('report-chart', `${base()}/arrivals.svg?${q}${lang}`, t('arrivals-alt', period)),
    chart('report-waits-chart', `${base()}/waits.svg?${q}${lang}`, t('waits-alt', period)),
  ]);
}

/**
 * Shows a server-drawn SVG chart (the reports' and the staffing view's)
 * in the box `id`: fetched with the token, shown as an <img> from a blob
 * URL; the previous chart's URL is released. `urls` collects the URLs the
 * caller releases on reset.
 */
export async function showChart(id, path, alt, urls) {
  await attempt(t('loading-chart'), async () => {
    const blob = await (await fetchRaw(path)).blob();
    const url = URL.createObjectURL(new Blob([blob], { type: 'image/svg+xml' }));
    urls.push(url);
    const img = el('img', { src: url, alt, class: 'chart-img' });
    const old = $(id).querySelector('img');
    if (old) {
      const i = urls.indexOf(old.src);
      if (i >= 0) urls.splice(i, 1);
      URL.revokeObjectURL(old.src);
    }
    $(id).replaceChildren(img);
  });
}

const chart = (id, path, alt) => showChart(id, path, alt, r.urls);

async function downloadCsv() {
  await attempt(t('downloading-csv'), async () => {
    const res = await fetchRaw(`${base()}.csv?${period()}`);
    const disposition = res.headers.get('content-disposition') || '';
    const match = /filename="([^"]+)"/.exec(disposition);
    const name = match ? match[1] : 'waitwell-report.csv';
    const url = URL.createObjectURL(await res.blob());
    const a = el('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  });
}

const pct = (v) => (v == null ? '–' : `${Math.round(v * 100)}%`);
const secs = (v) => (v == null ? '–' : duration(v));

function renderKpis(report) {
  const k = report.total;
  // A <div> in a <dl> may hold only <dt> and <dd>: the note goes into the
  // value's <dd>, on a line of its own.
  const card = (label, value, extra) => el('div', { class: 'kpi' }, el('dt', { text: label }),
    el('dd', {}, value, extra ? el('span', { class: 'hint kpi-note', text: extra }) : null));
  $('report-kpis').replaceChildren(el('dl', { class: 'kpi-list' },
    card(t('kpi-tickets'), String(k.issued)),
    card(t('kpi-served'), String(k.served)),
    card(t('kpi-no-shows'), String(k.no_shows)),
    card(t('kpi-avg-wait'), secs(k.avg_wait_s), t('kpi-p90', { value: secs(k.p90_wait_s) })),
    card(t('kpi-avg-service'), secs(k.avg_service_s), t('kpi-p90', { value: secs(k.p90_service_s) })),
    card(t('kpi-within-standard'), pct(k.within_standard)),
    card(t('kpi-out-of-turn'), String(k.out_of_turn))));
}

/** [message id of the heading, value] per column of the KPI tables. */
const COLUMNS = [
  ['kpi-tickets', (k) => String(k.issued)],
  ['kpi-served', (k) => String(k.served)],
  ['kpi-no-shows', (k) => String(k.no_shows)],
  ['kpi-avg-wait', (k) => secs(k.avg_wait_s)],
  ['kpi-p90-wait', (k) => secs(k.p90_wait_s)],
  ['kpi-avg-service', (k) => secs(k.avg_service_s)],
  ['kpi-p90-service', (k) => secs(k.p90_service_s)],
  ['kpi-within-standard', (k) => pct(k.within_standard)],
  ['kpi-out-of-turn', (k) => String(k.out_of_turn)],
];

function kpiTable(id, first, rows, label) {
  const head = el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: first }), ...COLUMNS.map(([h]) => el('th', { scope: 'col', class: 'n', text: t(h) }))));
  const body = el('tbody', {}, ...rows.map((row) => el('tr', {},
    el('th', { scope: 'row', text: label(row) }),
    ...COLUMNS.map(([, f]) => el('td', { class: 'n', text: f(row) })))));
  if (!rows.length) body.append(el('tr', {}, el('td', { colspan: String(COLUMNS.length + 1), class: 'hint', text: t('nothing-in-period') })));
  $(id).replaceChildren(head, body);
}

function renderTables(report) {
  kpiTable('report-services', t('col-service'), report.services, (s) => t('service-with-standard', { service: `${s.code} · ${s.name}`, standard: duration(s.standard_wait_s) }));
  kpiTable('report-desks', t('col-desk'), report.desks, (d) => d.name);
  kpiTable('report-clerks', t('col-clerk'), report.clerks, (c) => c.username);
}

function renderOutOfTurn(report) {
  $('report-oot-counts').replaceChildren(...report.out_of_turn_by_clerk.map((c) => el('span', { class: 'oot-count' },
    el('strong', { text: c.username || t('unknown') }), `: ${t('calls-count', { count: c.count })}`)));
  const head = el('thead', {}, el('tr', {}, ...['col-time', 'col-ticket', 'col-service', 'col-desk', 'col-clerk', 'col-reason'].map((h) => el('th', { scope: 'col', text: t(h) }))));
  const body = el('tbody', {}, ...report.out_of_turn.map((c) => el('tr', {},
    el('td', { text: clock(c.called_at) }),
    el('td', { class: 'ticket-number', text: c.number }),
    el('td', { text: c.service_code }),
    el('td', { text: c.desk_name || '' }),
    el('td', { text: c.username || '' }),
    el('td', { class: 'reason', text: c.reason }))));
  if (!report.out_of_turn.length) body.append(el('tr', {}, el('td', { colspan: '6', class: 'hint', text: t('no-oot') })));
  $('report-oot').replaceChildren(head, body);
}

const stars = (avg) => (avg == null ? '–' : avg.toFixed(2));

function feedbackTable(caption, first, groups, label) {
  const head = el('thead', {}, el('tr', {},
    el('th', { scope: 'col', text: first }),
    ...[t('col-ratings'), t('col-average'), '1', '2', '3', '4', '5'].map((h) => el('th', { scope: 'col', class: 'n', text: h }))));
  const body = el('tbody', {}, ...groups.map((g) => el('tr', {},
    el('th', { scope: 'row', text: label(g) }),
    el('td', { class: 'n', text: String(g.responses) }),
    el('td', { class: 'n avg', text: stars(g.avg_rating) }),
    ...g.counts.map((n) => el('td', { class: 'n', text: String(n) })))));
  return el('div', { class: 'scroll-x' }, el('table', { class: 'grid kpi-table feedback-table' }, el('caption', { text: caption }), head, body));
}

function renderFeedback(fb) {
  const box = $('report-feedback');
  if (!fb || !fb.total.responses) {
    box.replaceChildren(el('p', { class: 'hint', text: t('no-ratings') }));
    return;
  }
  const total = el('dl', { class: 'kpi-list' },
    el('div', { class: 'kpi' }, el('dt', { text: t('col-ratings') }), el('dd', { text: String(fb.total.responses) })),
    el('div', { class: 'kpi' }, el('dt', { text: t('average-rating') }), el('dd', { text: `${stars(fb.total.avg_rating)} / 5` })));
  const comments = el('table', { class: 'grid feedback-comments' },
    el('caption', { text: t('comments-caption') }),
    el('thead', {}, el('tr', {}, ...['col-time', 'col-ticket', 'col-service', 'col-desk', 'col-clerk', 'col-rating', 'col-comment'].map((h) => el('th', { scope: 'col', text: t(h) })))),
    el('tbody', {}, ...fb.comments.map((c) => el('tr', {},
      el('td', { text: clock(c.created_at) }),
      el('td', { class: 'ticket-number', text: c.number }),
      el('td', { text: c.service_code }),
      el('td', { text: c.desk_name || '' }),
      el('td', { text: c.username || '' }),
      el('td', { class: 'n', text: String(c.rating) }),
      el('td', { class: 'comment', text: c.comment })))));
  if (!fb.comments.length) comments.tBodies[0].append(el('tr', {}, el('td', { colspan: '7', class: 'hint', text: t('no-comments') })));
  box.replaceChildren(total,
    feedbackTable(t('by-service'), t('col-service'), fb.services, (g) => `${g.code} · ${g.name}`),
    feedbackTable(t('by-desk'), t('col-desk'), fb.desks, (g) => g.name),
    feedbackTable(t('by-clerk'), t('col-clerk'), fb.clerks, (g) => g.name),
    el('div', { class: 'scroll-x' }, comments));
}
