// The clerk console's list of today's appointments: time, service, status
// and, once checked in, the ticket number, so a clerk can tell a booked
// visitor where they stand. clerk.js fetches
// GET /api/v1/branches/{id}/appointments (today by default) when the desk
// is chosen, on every appointment.* live event and once a minute.
// A booked visitor who came to the desk instead of the kiosk is checked in
// with the row's button (the same check-in as the kiosk's, by staff).

import { $, el } from '/common/dom.js';

const ENGLISH = {
  'appt-booked': 'booked',
  'appt-cancelled': 'cancelled',
  'appt-checked_in': 'checked in',
  'appt-missed': 'missed',
  'check-in': 'Check in',
  'check-in-label': 'Check in the {$time} appointment',
};

/**
 * Replaces the list with `rows` (the API's staff view, by time).
 * `onCheckIn(row)` is called by a booked row's "Check in" button;
 * `t(id, vars)` gives the console's texts (default: English).
 */
export function renderAppointments(rows, onCheckIn, t = (id, vars) => (ENGLISH[id] || id).replace('{$time}', vars && vars.time)) {
  const list = $('appointments-list');
  list.replaceChildren();
  for (const a of rows) {
    const status = t(`appt-${a.status}`);
    const li = el('li', { 'data-status': a.status, 'data-code': a.code },
      el('strong', { text: a.time }),
      ` ${a.service_code} ${a.service_name} `,
      el('span', { class: 'status', text: a.ticket_number ? `${status} · ${a.ticket_number}` : status }));
    if (a.status === 'booked' && onCheckIn) {
      const b = el('button', { type: 'button', class: 'quiet check-in', text: t('check-in'), 'aria-label': t('check-in-label', { time: a.time }) });
      b.addEventListener('click', () => {
        b.disabled = true;
        onCheckIn(a).finally(() => { b.disabled = false; });
      });
      li.append(' ', b);
    }
    list.append(li);
  }
  $('appointments-empty').hidden = rows.length > 0;
}
