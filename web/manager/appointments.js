// The Appointments tab: the bookings of a chosen day (today by default)
// with status, ticket and contact details; the branch's opening hours,
// closed dates and late-arrival rule (PATCH /api/v1/branches/{id}
// {"appointments": …}); and per service whether it can be booked, its slot
// length and the walk-in share (PATCH /api/v1/services/{id}).
//
// Opening hours are edited as one text field per weekday ("08:00-12:00,
// 13:00-16:00") and sent as the API's JSON schedule; the server checks
// them and its message is shown when they do not parse.

import { $, ctx, call, items, el, notice, attempt, t, branchToday } from './util.js';

/** Weekdays as the API names them; each is labelled day-<key>. */
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const a = { loaded: false, rows: null, services: null };

export function reset() {
  a.loaded = false;
  a.rows = null;
  a.services = null;
  $('appt-day').value = '';
  $('appt-body').replaceChildren();
  $('appt-services-body').replaceChildren();
}

export function bind() {
  $('appt-day-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadDay();
  });
  $('appt-hours-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    saveHours();
  });
  const box = $('appt-hours');
  for (const key of DAYS) {
    box.append(el('label', { for: `appt-hours-${key}`, 'data-i18n': `day-${key}` }, t(`day-${key}`)),
      el('input', { id: `appt-hours-${key}`, 'data-day': key, autocomplete: 'off', placeholder: t('placeholder-closed'), 'data-i18n-placeholder': 'placeholder-closed' }));
  }
}

/** Redraws the day's list and the services in the console's new language
 *  (the weekday labels follow their data-i18n marks). */
export function retranslate() {
  if (a.rows) renderDay(a.rows);
  if (a.services) renderServices(a.services);
}

export function show() {
  if (!$('appt-day').value) $('appt-day').value = branchToday();
  $('appt-book-link').href = `/book/?branch=${ctx.branchId}`;
  renderSettings();
  if (!a.loaded) {
    a.loaded = true;
    loadDay();
    loadServices();
  }
}

export function onLive(state, msg) {
  if (!a.loaded || $('appointments-panel').hidden) return;
  if (msg.type && msg.type.startsWith('appointment.')) loadDay();
  if (msg.type === 'service.updated' || msg.type === 'service.created') loadServices();
}

async function loadDay() {
  const day = $('appt-day').value || branchToday();
  const rows = await attempt(t('loading-appointments'), () => call('GET', `/api/v1/branches/${ctx.branchId}/appointments?day=${encodeURIComponent(day)}`));
  if (!rows) return;
  renderDay(rows);
}

function renderDay(rows) {
  a.rows = rows;
  const body = $('appt-body');
  body.replaceChildren();
  for (const r of rows) {
    const contact = [r.contact_phone, r.contact_email].filter(Boolean).join(', ');
    body.append(el('tr', { 'data-status': r.status, 'data-code': r.code },
      el('td', { text: r.time }),
      el('td', { text: `${r.service_code} ${r.service_name}` }),
      el('td', { text: r.code, class: 'mono' }),
      el('td', { text: t(`appt-${r.status}`) }),
      el('td', { text: r.ticket_number ? `${r.ticket_number} (${r.ticket_status})` : '' }),
      el('td', { text: contact })));
  }
  $('appt-empty').hidden = rows.length > 0;
}

function renderSettings() {
  const s = ctx.branch && ctx.branch.appointments;
  if (!s) return;
  for (const key of DAYS) {
    const intervals = s.opening_hours[key] || [];
    $(`appt-hours-${key}`).value = intervals.map(([o, c]) => `${o}-${c}`).join(', ');
  }
  $('appt-closed').value = s.closed_dates.join(', ');
  $('appt-grace').value = String(Math.round(s.grace_s / 60));
  $('appt-late').value = s.late_policy;
}

function parseIntervals(text) {
  return text.split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split('-').map((t) => t.trim()));
}

async function saveHours() {
  const opening_hours = {};
  for (const key of DAYS) {
    const intervals = parseIntervals($(`appt-hours-${key}`).value);
    if (intervals.length) opening_hours[key] = intervals;
  }
  const closed_dates = $('appt-closed').value.split(',').map((d) => d.trim()).filter(Boolean);
  const body = { appointments: { opening_hours, closed_dates, grace_s: Number($('appt-grace').value) * 60, late_policy: $('appt-late').value } };
  const branch = await attempt(t('saving-hours'), () => call('PATCH', `/api/v1/branches/${ctx.branchId}`, body));
  if (!branch) return;
  ctx.branch = branch;
  renderSettings();
  notice(t('hours-saved'));
}

async function loadServices() {
  const list = await attempt(t('loading-services'), () => call('GET', `/api/v1/branches/${ctx.branchId}/services`));
  if (!list) return;
  renderServices(list);
}

function renderServices(list) {
  a.services = list;
  const body = $('appt-services-body');
  body.replaceChildren();
  for (const s of items(list).filter((x) => x.active)) {
    const enabled = el('input', { type: 'checkbox', checked: s.appointments_enabled, 'aria-label': t('label-bookable', { code: s.code }) });
    const length = el('input', { type: 'number', min: 5, max: 240, value: s.slot_length_s == null ? '' : String(s.slot_length_s / 60), placeholder: String(Math.ceil(s.expected_service_s / 300) * 5), 'aria-label': t('label-slot-length', { code: s.code }) });
    const share = el('input', { type: 'number', min: 0, max: 100, value: String(s.walk_in_share), 'aria-label': t('label-walk-in-share', { code: s.code }) });
    const save = el('button', { type: 'button', text: t('save') });
    save.addEventListener('click', async () => {
      const patch = {
        appointments_enabled: enabled.checked,
        slot_length_s: length.value === '' ? null : Number(length.value) * 60,
        walk_in_share: Number(share.value),
      };
      const saved = await attempt(t('saving-named', { name: s.code }), () => call('PATCH', `/api/v1/services/${s.id}`, patch));
      if (saved) notice(t('appt-settings-saved', { code: s.code }));
    });
    body.append(el('tr', { 'data-service': s.code },
      el('th', { scope: 'row', text: `${s.code} ${s.name}` }),
      el('td', {}, enabled), el('td', {}, length), el('td', {}, share), el('td', {}, save)));
  }
}
