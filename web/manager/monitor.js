// Live monitor: per service the waiting count, the longest wait against
// its standard (the row gets `.breached` when the oldest waiting ticket is
// over it) and the predicted wait of a ticket taken now (as the display and
// the kiosk tell visitors, `common/forecasts.js`); per desk its status,
// clerk and current ticket; alerts for breached standards, printers that
// are not ok, displays offline and queues no open desk serves.
//
// Everything but the device health comes from the live state and is
// redrawn on every live message and once a second (waits grow without any
// event). Device health comes from GET …/devices/status, re-read when a
// device event arrives and every 30 s, because "offline" is the absence of
// events.

import { duration } from '/common/api.js';
import { Forecasts, rangeMinutes } from '/common/forecasts.js';
import { $, ctx, call, items, el, serverNow, clock, ago, session, t, printerText } from './util.js';

const DEVICE_REFRESH_MS = 30000;

const m = {
  users: new Map(), // id -> username
  usersAsked: new Set(), // user ids already looked for, so an unknown id is fetched once
  devices: [],
  tick: null,
  deviceTimer: null,
  alertsKey: '',
};
m.forecasts = new Forecasts(() => call('GET', `/api/v1/branches/${ctx.branchId}/predictions`), () => render());

export function reset() {
  m.users.clear();
  m.usersAsked.clear();
  m.devices = [];
  m.alertsKey = '';
  clearInterval(m.tick);
  clearInterval(m.deviceTimer);
  m.tick = null;
  m.deviceTimer = null;
  m.forecasts.stop();
  for (const id of ['monitor-services', 'monitor-desks', 'monitor-alerts', 'monitor-calls']) $(id).replaceChildren();
}

/** Redraws in the console's new language (alerts' texts included). */
export function retranslate() {
  m.alertsKey = '';
  render();
}

export function show() {
  if (!m.tick) m.tick = setInterval(render, 1000);
  if (!m.deviceTimer) {
    m.deviceTimer = setInterval(loadDevices, DEVICE_REFRESH_MS);
    loadDevices();
    loadUsers();
  }
  if (!m.forecasts.interval) {
    m.forecasts.start();
    m.forecasts.load();
  }
  render();
}

export function onLive(state, msg) {
  if (ctx.branchId != null) m.forecasts.follow(msg);
  if (msg.type === 'snapshot') {
    loadDevices();
    loadUsers();
  } else if (msg.type.startsWith('device.')) {
    loadDevices();
  } else if (msg.type.startsWith('user.')) {
    m.usersAsked.clear();
    loadUsers();
  }
  render();
}

async function loadDevices() {
  if (ctx.branchId == null) return;
  try {
    m.devices = items(await call('GET', `/api/v1/branches/${ctx.branchId}/devices/status`));
    render();
  } catch {
    // Shown as stale on the next try; the live view goes on without it.
  }
}

async function loadUsers() {
  if (ctx.branchId == null) return;
  try {
    for (const u of items(await call('GET', `/api/v1/branches/${ctx.branchId}/users`))) m.users.set(u.id, u.username);
    render();
  } catch {
    // Desks then show "user #id".
  }
}

const userName = (id) => {
  if (id == null) return '';
  if (!m.users.has(id) && !m.usersAsked.has(id)) {
    m.usersAsked.add(id);
    if (session.user && session.user.id === id) m.users.set(id, session.user.username);
    else loadUsers();
  }
  return m.users.get(id) || t('user-id', { id });
};

/** Per service: the oldest waiting ticket. */
function oldestWaiting(state) {
  const oldest = new Map();
  for (const ticket of state.tickets.values()) {
    if (ticket.status !== 'waiting') continue;
    const o = oldest.get(ticket.service_id);
    if (!o || ticket.queued_at < o.queued_at) oldest.set(ticket.service_id, ticket);
  }
  return oldest;
}

/** What a ticket of `service` taken now is told: a range in minutes, or
 *  that no open desk serves it ('–' until first read). */
function predictedWait(service) {
  const forecast = m.forecasts.get(service.id);
  if (!forecast) return '–';
  if (forecast.no_open_desk) return t('no-open-desk');
  const range = rangeMinutes(forecast);
  return range ? t('wait-range', range) : '–';
}

function render() {
  const state = ctx.state;
  if (!state || $('monitor').hidden) return;
  const now = serverNow();
  const oldest = oldestWaiting(state);
  const services = [...state.services.values()].sort((a, b) => a.code.localeCompare(b.code));
  const alerts = [];
  let totalWaiting = 0;

  $('monitor-services').replaceChildren(...services.map((s) => {
    const o = oldest.get(s.id);
    const waitedS = o ? (now - o.queued_at) / 1000 : null;
    const breached = waitedS != null && waitedS > s.standard_wait_s;
    totalWaiting += s.waiting || 0;
    if (breached) {
      alerts.push({
        level: 'bad',
        key: `breach-${s.id}`,
        text: t('alert-breach', { service: `${s.code} · ${s.name}`, number: o.number, waited: duration(waitedS), standard: duration(s.standard_wait_s) }),
      });
    }
    if ((s.waiting || 0) > 0 && s.open_desks === 0) {
      alerts.push({ level: 'warn', key: `nodesk-${s.id}`, text: t('alert-no-desk', { service: `${s.code} · ${s.name}`, count: s.waiting }) });
    }
    const share = waitedS == null ? 0 : Math.min(1, waitedS / s.standard_wait_s);
    return el('tr', { 'data-service-id': String(s.id), class: breached ? 'breached' : '' },
      el('th', { scope: 'row' }, el('span', { class: 'code', text: s.code }), ' ', s.name),
      el('td', { class: 'n waiting', text: String(s.waiting || 0) }),
      el('td', { class: 'n longest' },
        el('span', { class: 'bar', 'aria-hidden': 'true' },
          el('span', { class: share >= 0.8 && !breached ? 'near' : '', style: `width:${Math.round(share * 100)}%` })),
        el('span', { class: 'wait-text', text: waitedS == null ? '–' : duration(waitedS) }),
        breached ? el('span', { class: 'flag', text: t('flag-over') }) : null),
      el('td', { class: 'n', text: duration(s.standard_wait_s) }),
      el('td', { class: 'n predicted', text: predictedWait(s) }),
      el('td', { class: 'n', text: String(s.open_desks ?? '–') }));
  }));
  $('monitor-total').textContent = t('waiting-count', { count: totalWaiting });

  const desks = [...state.desks.values()].filter((d) => d.active).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  let open = 0;
  $('monitor-desks').replaceChildren(...desks.map((d) => {
    if (d.status === 'open') open += 1;
    const cur = d.current_ticket_id != null ? state.tickets.get(d.current_ticket_id) : null;
    const since = cur ? (cur.status === 'serving' ? cur.started_at : cur.called_at) : null;
    const svc = cur && state.services.get(cur.service_id);
    return el('tr', { 'data-desk-id': String(d.id), 'data-status': d.status },
      el('th', { scope: 'row', text: d.name }),
      el('td', {},
        el('span', { class: `status status-${d.status}`, text: t(`desk-${d.status}`) }),
        d.status === 'paused' && d.pause_reason ? el('span', { class: 'hint', text: ` ${d.pause_reason}` }) : null),
      el('td', { class: 'clerk' }, d.status === 'closed' ? ''
        : d.user_id == null ? el('span', { class: 'hint', text: t('no-clerk') }) : userName(d.user_id)),
      el('td', { class: 'current' },
        cur ? el('span', { class: 'ticket-number', text: cur.number }) : el('span', { class: 'hint', text: d.status === 'open' ? t('desk-free') : '' }),
        cur ? el('span', { class: `badge badge-${cur.status}`, text: cur.status === 'serving' ? t('badge-serving') : t('badge-called') }) : null,
        svc ? el('span', { class: 'hint', text: ` ${svc.name}` }) : null),
      el('td', { class: 'n', text: since ? duration((now - since) / 1000) : '' }));
  }));
  $('monitor-desk-total').textContent = t('desks-open-of', { open, count: desks.length });

  for (const dev of m.devices) {
    if (!dev.active) continue;
    if (dev.printer && dev.printer !== 'ok') {
      alerts.push({
        // Paper low still prints: a warning, not a fault.
        level: dev.printer === 'paper_low' ? 'warn' : 'bad',
        key: `printer-${dev.id}-${dev.printer}`,
        text: t(dev.detail ? 'alert-printer-detail' : 'alert-printer', { device: dev.name, status: printerText(dev.printer), detail: dev.detail, since: clock(dev.status_since) }),
      });
    }
    if (dev.kind === 'display' && !dev.online) {
      alerts.push({
        level: 'warn',
        key: `display-${dev.id}`,
        text: t('alert-display', { device: dev.name, seen: ago(dev.last_seen_at) }),
      });
    }
  }
  renderAlerts(alerts);

  $('monitor-calls').replaceChildren(...state.calls.slice(0, 8).map((c) => el('li', {},
    el('span', { class: 'ticket-number', text: c.number || '?' }),
    el('span', { text: ` → ${c.desk_name || t('desk-id', { id: c.desk_id })}` }),
    c.recall ? el('span', { class: 'hint', text: ` ${t('recall')}` }) : null,
    el('span', { class: 'hint time', text: clock(c.at) }))));
  if (!state.calls.length) $('monitor-calls').append(el('li', { class: 'hint', text: t('no-calls') }));
}

function renderAlerts(alerts) {
  // Waits change every second, so the text does too; the list (which is a
  // live region) is only replaced when the set of alerts changes, and the
  // texts are updated in place otherwise.
  const key = alerts.map((a) => a.key).join('|');
  const list = $('monitor-alerts');
  $('alert-count').textContent = alerts.length ? String(alerts.length) : '';
  $('alert-count').dataset.level = alerts.some((a) => a.level === 'bad') ? 'bad' : 'warn';
  if (key === m.alertsKey && list.children.length === Math.max(alerts.length, 1)) {
    alerts.forEach((a, i) => {
      if (list.children[i].textContent !== a.text) list.children[i].textContent = a.text;
    });
    return;
  }
  m.alertsKey = key;
  list.replaceChildren(...alerts.map((a) => el('li', { class: `alert-${a.level}`, 'data-alert': a.key, text: a.text })));
  if (!alerts.length) list.append(el('li', { class: 'alert-none', text: t('all-clear') }));
}
