// Reports for a chosen period of business days: the KPIs per service,
// desk and clerk, the two server-drawn SVG charts, visitors' ratings and
// comments, the calls out of turn, and the CSV export.
//
// The charts and the CSV need the bearer token, which an <img src> or a
// plain link cannot send, so they are fetched and handed to the browser as
// blob URLs: an <img> for the charts (an SVG in an <img> runs no script)
// and a temporary download link for the CSV.

import { duration } from '/common/api.js';
import { $, ctx, call, el, attempt, clock, session } from './util.js';

const r = { loaded: false, urls: [] };

export function reset() {
  r.loaded = false;
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

export function show() {
  if (!$('report-from').value) {
    const today = branchToday();
    $('report-from').value = today;
    $('report-to').value = today;
  }
  if (!r.loaded) load();
}

/** Today's date in the branch's timezone, YYYY-MM-DD. */
function branchToday() {
  const tz = ctx.branch && ctx.branch.timezone;
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
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
  const report = await attempt('Loading the report', () => call('GET', `${base()}?${q}`));
  if (!report) return;
  r.loaded = true;
  renderKpis(report);
  renderTables(report);
  renderOutOfTurn(report);
  renderFeedback(report.feedback);
  await Promise.all([
    chart('report-chart', `${base()}/arrivals.svg?${q}`, `Tickets issued per hour of day, ${report.from} to ${report.to}`),
    chart('report-waits-chart', `${base()}/waits.svg?${q}`, `Average and 90th-percentile wait per service against the standard, ${report.from} to ${report.to}`),
  ]);
}

async function chart(id, path, alt) {
  await attempt('Loading a chart', async () => {
    const blob = await (await fetchRaw(path)).blob();
    const url = URL.createObjectURL(new Blob([blob], { type: 'image/svg+xml' }));
    r.urls.push(url);
    const img = el('img', { src: url, alt, class: 'chart-img' });
    const old = $(id).querySelector('img');
    if (old) {
      r.urls = r.urls.filter((u) => u !== old.src);
      URL.revokeObjectURL(old.src);
    }
    $(id).replaceChildren(img);
  });
}

async function downloadCsv() {
  await attempt('Downloading the CSV', async () => {
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
  const t = report.total;
  // A <div> in a <dl> may hold only <dt> and <dd>: the note goes into the
  // value's <dd>, on a line of its own.
  const card = (label, value, extra) => el('div', { class: 'kpi' }, el('dt', { text: label }),
    el('dd', {}, value, extra ? el('span', { class: 'hint kpi-note', text: extra }) : null));
  $('report-kpis').replaceChildren(el('dl', { class: 'kpi-list' },
    card('Tickets', String(t.issued)),
    card('Served', String(t.served)),
    card('No-shows', String(t.no_shows)),
    card('Avg. wait', secs(t.avg_wait_s), `90%: ${secs(t.p90_wait_s)}`),
    card('Avg. service', secs(t.avg_service_s), `90%: ${secs(t.p90_service_s)}`),
    card('Within standard', pct(t.within_standard)),
    card('Out of turn', String(t.out_of_turn))));
}

const COLUMNS = [
  ['Tickets', (k) => String(k.issued)],
  ['Served', (k) => String(k.served)],
  ['No-shows', (k) => String(k.no_shows)],
  ['Avg. wait', (k) => secs(k.avg_wait_s)],
  ['90% wait', (k) => secs(k.p90_wait_s)],
  ['Avg. service', (k) => secs(k.avg_service_s)],
  ['90% service', (k) => secs(k.p90_service_s)],
  ['Within standard', (k) => pct(k.within_standard)],
  ['Out of turn', (k) => String(k.out_of_turn)],
];

function kpiTable(id, first, rows, label) {
  const head = el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: first }), ...COLUMNS.map(([h]) => el('th', { scope: 'col', class: 'n', text: h }))));
  const body = el('tbody', {}, ...rows.map((row) => el('tr', {},
    el('th', { scope: 'row', text: label(row) }),
    ...COLUMNS.map(([, f]) => el('td', { class: 'n', text: f(row) })))));
  if (!rows.length) body.append(el('tr', {}, el('td', { colspan: String(COLUMNS.length + 1), class: 'hint', text: 'Nothing in this period.' })));
  $(id).replaceChildren(head, body);
}

function renderTables(report) {
  kpiTable('report-services', 'Service', report.services, (s) => `${s.code} · ${s.name} (standard ${duration(s.standard_wait_s)})`);
  kpiTable('report-desks', 'Desk', report.desks, (d) => d.name);
  kpiTable('report-clerks', 'Clerk', report.clerks, (c) => c.username);
}

function renderOutOfTurn(report) {
  $('report-oot-counts').replaceChildren(...report.out_of_turn_by_clerk.map((c) => el('span', { class: 'oot-count' },
    el('strong', { text: c.username || 'unknown' }), `: ${c.count} ${c.count === 1 ? 'call' : 'calls'}`)));
  const head = el('thead', {}, el('tr', {}, ...['Time', 'Ticket', 'Service', 'Desk', 'Clerk', 'Reason'].map((h) => el('th', { scope: 'col', text: h }))));
  const body = el('tbody', {}, ...report.out_of_turn.map((c) => el('tr', {},
    el('td', { text: clock(c.called_at) }),
    el('td', { class: 'ticket-number', text: c.number }),
    el('td', { text: c.service_code }),
    el('td', { text: c.desk_name || '' }),
    el('td', { text: c.username || '' }),
    el('td', { class: 'reason', text: c.reason }))));
  if (!report.out_of_turn.length) body.append(el('tr', {}, el('td', { colspan: '6', class: 'hint', text: 'No calls out of turn in this period.' })));
  $('report-oot').replaceChildren(head, body);
}

const stars = (avg) => (avg == null ? '–' : avg.toFixed(2));

function feedbackTable(caption, first, groups, label) {
  const head = el('thead', {}, el('tr', {},
    el('th', { scope: 'col', text: first }),
    ...['Ratings', 'Average', '1', '2', '3', '4', '5'].map((h) => el('th', { scope: 'col', class: 'n', text: h }))));
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
    box.replaceChildren(el('p', { class: 'hint', text: 'No ratings in this period.' }));
    return;
  }
  const total = el('dl', { class: 'kpi-list' },
    el('div', { class: 'kpi' }, el('dt', { text: 'Ratings' }), el('dd', { text: String(fb.total.responses) })),
    el('div', { class: 'kpi' }, el('dt', { text: 'Average rating' }), el('dd', { text: `${stars(fb.total.avg_rating)} / 5` })));
  const comments = el('table', { class: 'grid feedback-comments' },
    el('caption', { text: 'Comments, newest first' }),
    el('thead', {}, el('tr', {}, ...['Time', 'Ticket', 'Service', 'Desk', 'Clerk', 'Rating', 'Comment'].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...fb.comments.map((c) => el('tr', {},
      el('td', { text: clock(c.created_at) }),
      el('td', { class: 'ticket-number', text: c.number }),
      el('td', { text: c.service_code }),
      el('td', { text: c.desk_name || '' }),
      el('td', { text: c.username || '' }),
      el('td', { class: 'n', text: String(c.rating) }),
      el('td', { class: 'comment', text: c.comment })))));
  if (!fb.comments.length) comments.tBodies[0].append(el('tr', {}, el('td', { colspan: '7', class: 'hint', text: 'No comments in this period.' })));
  box.replaceChildren(total,
    feedbackTable('By service', 'Service', fb.services, (g) => `${g.code} · ${g.name}`),
    feedbackTable('By desk', 'Desk', fb.desks, (g) => g.name),
    feedbackTable('By clerk', 'Clerk', fb.clerks, (g) => g.name),
    el('div', { class: 'scroll-x' }, comments));
}
