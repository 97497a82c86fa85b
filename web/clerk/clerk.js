// The clerk console: sign in, pick a desk (remembered on this computer),
// open / pause / close it, call and serve visitors.
//
// The live stream (the shared LiveConnection) drives the page: each update
// re-renders the desk and its current ticket from the live state, and
// refreshes the waiting list from the queue endpoint (throttled), because
// only the server knows the policy order and the reason for each place.
// Every action is one REST call; its result arrives again through the live
// stream, so the page never keeps a second copy of the truth. A 409 (the
// desk or ticket changed under us, e.g. another desk called the visitor
// first) is shown in the alert area and the list is refreshed.

import { LiveConnection } from '/common/live.js';
import { duration } from '/common/api.js';
import { $, el, show, storageGet, storageSet, notice, alertMessage } from '/common/dom.js';
import { StaffSession } from '/common/session.js';
import { renderAppointments } from './appointments.js';

const TOKEN_KEY = 'waitwell.clerk.token';
const DESK_KEY = 'waitwell.clerk.desk';
/** The waiting list is fetched at most this often while events stream in. */
const QUEUE_THROTTLE_MS = 300;
/** ... and at least this often, so the reasons' "queued N min ago" stay true. */
const QUEUE_REFRESH_MS = 60000;

/** [key, action, short label (always on the page), full label (dialog)]. */
export const SHORTCUTS = [
  ['N', 'call-next', 'Call next', 'Call the next visitor'],
  ['R', 'recall', 'Recall', 'Call the current visitor again'],
  ['S', 'start', 'Start', 'Start serving'],
  ['F', 'finish', 'Finish', 'Finish, saving the outcome if one is typed'],
  ['X', 'no-show', 'No-show', 'The called visitor did not come'],
  ['T', 'transfer', 'Transfer', 'Transfer to another service'],
  ['P', 'park', 'Park', 'Park (set aside, call back later)'],
  ['O', 'open', 'Open', 'Open the desk (or reopen after a pause)'],
  ['Z', 'pause', 'Pause', 'Pause the desk, with a reason'],
  ['C', 'close', 'Close', 'Close the desk'],
  ['?', 'shortcuts', 'Shortcuts', 'Show this list'],
];

const app = {
  branchId: null,
  desks: [],
  deskId: null,
  live: null,
  state: null,
  queue: null,
  clockOffset: 0, // server time minus local time, ms
  busy: new Set(),
  queueTimer: null,
  queueLast: 0,
  queueInFlight: false,
  queueAgain: false,
  statsTimer: null,
};

// ---------- small helpers ----------

const session = new StaffSession({
  tokenKey: TOKEN_KEY,
  onSignedIn: signedIn,
  onSignedOut: signedOut,
  onMessage: alertMessage,
});
const call = (method, path, body) => session.call(method, path, body);

const serverNow = () => Date.now() + app.clockOffset;

function since(ms) {
  return el('span', { class: 'since', 'data-since': String(ms), text: duration((serverNow() - ms) / 1000) });
}

const serviceOf = (id) => app.state && app.state.services.get(id);
const serviceLabel = (id) => {
  const s = serviceOf(id) || (app.queue && app.queue.services.find((q) => q.service_id === id));
  return s ? `${s.code} · ${s.name}` : `service ${id}`;
};

function priorityMark(priority) {
  if (priority === 'priority') return el('span', { class: 'mark mark-priority', text: 'Priority' });
  if (priority === 'appointment') return el('span', { class: 'mark mark-appointment', text: 'Appointment' });
  return null;
}

// ---------- sign-in and desk choice ----------

function start() {
  bindUi();
  session.start();
}

function showSignIn(message) {
  show('sign-in', true);
  show('pick-desk', false);
  show('console', false);
  for (const id of ['who', 'conn', 'change-desk', 'show-shortcuts', 'sign-out']) show(id, false);
  if (message) alertMessage(message);
  document.title = 'Sign in – Clerk desk – Waitwell';
  $('username').focus();
}

async function signedIn(user) {
  show('sign-in', false);
  $('who').textContent = `Signed in as ${user.username}`;
  for (const id of ['who', 'sign-out', 'show-shortcuts']) show(id, true);
  app.branchId = user.branch_id;
  if (app.branchId == null) {
    // Admins have no home branch: work in the first one.
    const branches = await call('GET', '/api/v1/branches');
    const list = Array.isArray(branches) ? branches : branches.items || [];
    if (!list.length) throw new Error('there is no branch yet');
    app.branchId = list[0].id;
  }
  await loadDesks();
  const remembered = Number(storageGet(DESK_KEY));
  if (app.desks.some((d) => d.id === remembered)) useDesk(remembered);
  else showPickDesk();
}

async function loadDesks() {
  const desks = await call('GET', `/api/v1/branches/${app.branchId}/desks`);
  app.desks = (Array.isArray(desks) ? desks : desks.items || []).filter((d) => d.active);
}

function deskOptionLabel(d) {
  if (d.status === 'closed') return `${d.name} (closed)`;
  const who = d.user_id == null ? '' : d.user_id === session.user.id ? ', you' : ', another clerk';
  return `${d.name} (${d.status}${who})`;
}

function showPickDesk() {
  const select = $('desk-select');
  select.replaceChildren(...app.desks.map((d) => el('option', { value: String(d.id), text: deskOptionLabel(d) })));
  if (app.deskId != null) select.value = String(app.deskId);
  show('console', false);
  show('change-desk', false);
  show('pick-desk', true);
  select.focus();
}

function useDesk(deskId) {
  app.deskId = deskId;
  storageSet(DESK_KEY, String(deskId));
  app.queue = null;
  show('pick-desk', false);
  show('console', true);
  show('change-desk', true);
  show('conn', true);
  if (!app.live) {
    app.live = new LiveConnection({
      branchId: app.branchId,
      token: session.token,
      onState: onLiveState,
      onStatus: (status) => session.liveStatus(status),
    });
  }
  render();
  refreshQueueSoon();
  refreshStatsSoon();
  refreshAppointments();
}

/** Checks in a booked visitor who came to the desk; says which ticket they got. */
async function checkInAppointment(a) {
  try {
    const r = await call('POST', `/api/v1/branches/${app.branchId}/appointments/check-in`, { code: a.code });
    alertMessage('');
    notice(r.outcome === 'walk_in'
      ? `${a.time} appointment is late: ${r.ticket.number} is a regular ticket.`
      : `${a.time} appointment checked in: ${r.ticket.number}.`);
  } catch (err) {
    if (err.status !== 401) alertMessage(`Could not check in: ${err.message}`);
  }
  refreshAppointments();
}

/** Today's appointments of the branch; a failure keeps the last list. */
async function refreshAppointments() {
  if (!session.token || app.branchId == null) return;
  try {
    renderAppointments(await call('GET', `/api/v1/branches/${app.branchId}/appointments`), checkInAppointment);
  } catch {
    // A list shown a minute late is fine; the next event or tick retries.
  }
}

/** The session ended (signed out, or refused by the server): back to sign-in. */
function signedOut(message) {
  if (app.live) app.live.close();
  app.live = null;
  app.state = null;
  app.queue = null;
  alertMessage('');
  notice('');
  showSignIn(message);
}

// ---------- live state ----------

function onLiveState(state, msg) {
  app.state = state;
  render();
  refreshQueueSoon();
  const mine = msg.type === 'snapshot' || msg.desk_id === app.deskId
    || (msg.data && msg.data.ticket && msg.data.ticket.called_by === (session.user && session.user.id));
  if (mine) refreshStatsSoon();
  if (msg.type && msg.type.startsWith('appointment.')) refreshAppointments();
}

const currentDesk = () => app.state && app.state.desks.get(app.deskId);
const currentTicket = () => {
  const d = currentDesk();
  return d && d.current_ticket_id != null ? app.state.tickets.get(d.current_ticket_id) : null;
};

/** Why an action cannot be done now, or null when it can. */
function blocked(action) {
  const desk = currentDesk();
  if (!desk) return 'Still loading the desk.';
  const t = currentTicket();
  const none = 'There is no visitor at the desk.';
  switch (action) {
    case 'open':
      return desk.status === 'open' ? `${desk.name} is already open.` : null;
    case 'pause':
      if (desk.status === 'paused') return `${desk.name} is already paused.`;
      return desk.status === 'closed' ? `${desk.name} is closed: open it first (O).` : null;
    case 'close':
      if (desk.status === 'closed') return `${desk.name} is already closed.`;
      return t ? `${t.number} is still at the desk: finish, transfer, park or mark a no-show first.` : null;
    case 'call-next':
    case 'call':
      if (desk.status !== 'open') return `${desk.name} is ${desk.status}: open it first (O).`;
      return t ? `${t.number} is still at the desk: finish it first.` : null;
    case 'recall':
    case 'start':
      if (!t) return none;
      return t.status !== 'called' ? `${t.number} is already being served.` : null;
    case 'no-show':
      if (!t) return none;
      return t.status !== 'called' ? `${t.number} is being served, so cannot be a no-show.` : null;
    case 'finish':
    case 'transfer':
    case 'park':
      return t ? null : none;
    default:
      return null;
  }
}

// ---------- rendering ----------

function render() {
  if (!session.user || app.deskId == null) return;
  const desk = currentDesk() || app.desks.find((d) => d.id === app.deskId);
  $('desk-title').textContent = desk ? desk.name : 'Desk';
  document.title = `${desk ? desk.name : 'Desk'} – Clerk desk – Waitwell`;
  const state = $('desk-state');
  if (desk) {
    state.dataset.status = desk.status;
    state.textContent = desk.status === 'paused'
      ? `Paused: ${desk.pause_reason || 'no reason'}`
      : desk.status === 'open' ? 'Open' : 'Closed';
  }
  const other = desk && desk.user_id != null && desk.user_id !== session.user.id && desk.status !== 'closed';
  $('desk-warning').textContent = other
    ? `Another clerk is working at ${desk.name}. Only they or a manager can act here until it is closed. Choose another desk with “Change desk”.`
    : '';
  show('desk-warning', Boolean(other));

  for (const button of document.querySelectorAll('#console [data-action]')) {
    const why = blocked(button.dataset.action);
    button.setAttribute('aria-disabled', why ? 'true' : 'false');
    button.title = why || '';
  }
  renderCurrent();
}

function renderCurrent() {
  const box = $('current');
  const t = currentTicket();
  const desk = currentDesk();
  // Most live events concern other desks: leave the DOM (and a screen
  // reader's place in it) alone unless something shown here changed.
  const key = JSON.stringify([desk && desk.status, t && [t.id, t.status, t.call_count, t.service_id, t.called_at, t.started_at]]);
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  if (!t) {
    const hint = !desk ? 'Loading…'
      : desk.status === 'open' ? 'No visitor at the desk. Press N to call the next one.'
        : desk.status === 'paused' ? 'No visitor at the desk. The desk is paused; press O to reopen.'
          : 'No visitor at the desk. The desk is closed; press O to open it.';
    box.replaceChildren(el('p', { class: 'none', text: hint }));
    box.dataset.ticketId = '';
    return;
  }
  box.dataset.ticketId = String(t.id);
  const serving = t.status === 'serving';
  const timerStart = serving ? t.started_at : t.called_at;
  box.replaceChildren(
    el('p', { class: 'current-number', id: 'current-number', text: t.number }),
    el('div', { class: 'current-meta' },
      el('p', { class: `badge badge-${t.status}`, text: serving ? 'Serving' : 'Called' }),
      priorityMark(t.priority),
      el('p', { class: 'current-service', text: serviceLabel(t.service_id) }),
      el('p', { class: 'timer' },
        serving ? 'Serving for ' : 'Called ',
        el('strong', {}, since(timerStart)),
        serving ? '' : ' ago',
        t.call_count > 1 ? ` · called ${t.call_count} times` : ''),
      t.out_of_turn_reason ? el('p', { class: 'hint', text: `Called out of turn: ${t.out_of_turn_reason}` }) : null),
  );
}

function renderQueue(view) {
  app.queue = view;
  const standard = new Map(view.services.map((s) => [s.service_id, s.standard_wait_s]));
  const rows = view.waiting.map((w, i) => {
    const over = w.waited_s > (standard.get(w.service_id) ?? Infinity);
    const action = i === 0
      ? el('span', { class: 'next-tag', text: 'Next' })
      : el('button', {
        type: 'button',
        class: 'small',
        'aria-label': `Call ${w.number} out of turn`,
        text: 'Call…',
        onclick: () => openCallDialog({ id: w.ticket_id, number: w.number }, ''),
      });
    return el('tr', { 'data-ticket-id': String(w.ticket_id), class: i === 0 ? 'is-next' : '' },
      el('td', { class: 'pos', text: String(w.position + 1) }),
      el('td', { class: 'num' },
        el('span', { class: 'number', text: w.number }),
        priorityMark(w.priority),
        el('span', { class: 'svc', text: serviceLabel(w.service_id), title: serviceLabel(w.service_id) })),
      el('td', { class: over ? 'waited over' : 'waited' },
        since(w.queued_at),
        over ? el('span', { class: 'visually-hidden', text: ' (over the service standard)' }) : null),
      el('td', { class: 'reason', text: w.reason }),
      el('td', { class: 'act' }, action));
  });
  // Keep the keyboard focus on the same ticket's button across refreshes.
  const focused = document.activeElement && document.activeElement.closest('[data-ticket-id]');
  const focusedId = focused && focused.dataset.ticketId;
  $('queue-body').replaceChildren(...rows);
  show('queue', rows.length > 0);
  show('queue-empty', rows.length === 0);
  $('queue-count').textContent = rows.length === 1 ? '1 waiting' : `${rows.length} waiting`;

  const parked = view.parked.map((t) => el('li', { 'data-ticket-id': String(t.id) },
    el('span', { class: 'number', text: t.number }),
    priorityMark(t.priority),
    el('span', { class: 'svc', text: serviceLabel(t.service_id) }),
    el('span', { class: 'waited' }, 'parked ', since(t.updated_at), ' ago'),
    el('button', {
      type: 'button',
      class: 'small',
      'aria-label': `Call ${t.number} back from park`,
      text: 'Call…',
      onclick: () => openCallDialog({ id: t.id, number: t.number, parked: true }, 'return from park'),
    })));
  $('parked-list').replaceChildren(...parked);
  show('parked-empty', parked.length === 0);
  if (focusedId) {
    const again = document.querySelector(`#queue-body [data-ticket-id="${focusedId}"] button, #parked-list [data-ticket-id="${focusedId}"] button`);
    if (again) again.focus();
  }
}

function tick() {
  const now = serverNow();
  for (const node of document.querySelectorAll('[data-since]')) {
    node.textContent = duration((now - Number(node.dataset.since)) / 1000);
  }
}

// ---------- waiting list and figures ----------

function refreshQueueSoon() {
  if (app.queueTimer || app.deskId == null) return;
  const wait = Math.max(0, QUEUE_THROTTLE_MS - (Date.now() - app.queueLast));
  app.queueTimer = setTimeout(refreshQueue, wait);
}

async function refreshQueue() {
  app.queueTimer = null;
  if (app.queueInFlight) {
    app.queueAgain = true;
    return;
  }
  if (!session.token || app.deskId == null) return;
  app.queueInFlight = true;
  app.queueLast = Date.now();
  const deskId = app.deskId;
  try {
    const sent = Date.now();
    const view = await call('GET', `/api/v1/branches/${app.branchId}/queue?desk_id=${deskId}`);
    app.clockOffset = view.generated_at - Math.round((sent + Date.now()) / 2);
    if (deskId === app.deskId) renderQueue(view);
    listProblem('');
  } catch (err) {
    if (err.status !== 401) listProblem(`Could not load the waiting list: ${err.message}`);
  } finally {
    app.queueInFlight = false;
    if (app.queueAgain) {
      app.queueAgain = false;
      refreshQueueSoon();
    }
  }
}

function refreshStatsSoon() {
  clearTimeout(app.statsTimer);
  app.statsTimer = setTimeout(refreshStats, 500);
}

async function refreshStats() {
  if (!session.token || !session.user) return;
  try {
    const s = await call('GET', `/api/v1/users/${session.user.id}/stats`);
    $('fig-served').textContent = String(s.served);
    $('fig-avg').textContent = s.avg_service_s == null ? '–' : duration(s.avg_service_s);
    $('fig-noshow').textContent = String(s.no_shows);
  } catch {
    // Figures are a convenience (an admin has none); keep the last ones.
  }
}

// ---------- actions ----------

const LABELS = {
  'call-next': 'Call next',
  recall: 'Recall',
  start: 'Start',
  finish: 'Finish',
  'no-show': 'No-show',
  transfer: 'Transfer',
  park: 'Park',
  open: 'Open',
  pause: 'Pause',
  close: 'Close',
};

// The alert area holds two problems at once: the last failed action and
// a failing waiting-list refresh. The refresh that follows a failed action
// must not replace the failure the clerk has to read.
const problems = { action: '', list: '' };

function showProblems() {
  alertMessage([problems.action, problems.list].filter(Boolean).join(' '));
}

function actionProblem(text) {
  problems.action = text;
  showProblems();
}

function listProblem(text) {
  if (problems.list === text) return;
  problems.list = text;
  showProblems();
}

async function perform(action, body, describe) {
  if (app.busy.has(action)) return;
  app.busy.add(action);
  const deskId = app.deskId;
  try {
    const result = await call('POST', `/api/v1/desks/${deskId}/${action}`, body);
    actionProblem('');
    notice(describe(result));
    return result;
  } catch (err) {
    if (err.status !== 401) {
      actionProblem(`${LABELS[action] || action} failed: ${err.message}${err.status === 409 ? ' The page has been brought up to date.' : ''}`);
      refreshQueueSoon();
    }
    return undefined;
  } finally {
    app.busy.delete(action);
  }
}

function doAction(action) {
  if (action === 'shortcuts') return $('keys-dialog').showModal();
  const why = blocked(action);
  if (why) {
    notice(`${LABELS[action]}: ${why}`);
    return;
  }
  const t = currentTicket();
  switch (action) {
    case 'call-next':
      return perform('call-next', undefined, (r) => (r ? `Called ${r.number}.` : 'Nobody is waiting for this desk.'));
    case 'recall':
      return perform('recall', undefined, (r) => `Called ${r.number} again.`);
    case 'start':
      return perform('start', undefined, (r) => `Serving ${r.number}.`);
    case 'finish': {
      const outcome = $('outcome').value.trim();
      return perform('finish', outcome ? { outcome } : undefined, (r) => {
        $('outcome').value = '';
        return `${r.number} finished${outcome ? `: ${outcome}` : ''}.`;
      });
    }
    case 'no-show':
      return perform('no-show', undefined, (r) => `${r.number} marked as a no-show.`);
    case 'park':
      return perform('park', undefined, (r) => `${r.number} parked; call it back from the parked list.`);
    case 'transfer':
      return openTransferDialog(t);
    case 'open':
      return perform('open', undefined, (d) => `${d.name} is open.`);
    case 'pause':
      $('pause-reason').value = '';
      return $('pause-dialog').showModal();
    case 'close':
      return perform('close', undefined, (d) => `${d.name} is closed.`);
    default:
      return undefined;
  }
}

let callTarget = null;

function openCallDialog(ticket, reason) {
  const why = blocked('call');
  if (why) {
    notice(`Call ${ticket.number}: ${why}`);
    return;
  }
  callTarget = ticket;
  $('call-number').textContent = ticket.number;
  $('call-reason').value = reason;
  $('call-dialog').showModal();
  $('call-reason').focus();
  if (reason) $('call-reason').select();
}

async function submitCall() {
  const ticket = callTarget;
  const reason = $('call-reason').value.trim();
  if (!ticket || !reason) return;
  if (app.busy.has('call')) return;
  app.busy.add('call');
  try {
    const r = await call('POST', `/api/v1/desks/${app.deskId}/call`, { ticket_id: ticket.id, reason });
    alertMessage('');
    // A call back from park is not out of turn (the server does not count it so).
    notice(ticket.parked
      ? `Called ${r.number} back from park.`
      : `Called ${r.number} out of turn. The call and its reason are recorded.`);
  } catch (err) {
    if (err.status === 401) return;
    let text = `Could not call ${ticket.number}: ${err.message}`;
    if (err.status === 409 || err.status === 404) {
      // Say plainly when another desk was faster.
      try {
        const now = await call('GET', `/api/v1/tickets/${ticket.id}`);
        if (now.status !== 'waiting' && now.status !== 'parked') {
          const other = now.desk_id != null && app.state && app.state.desks.get(now.desk_id);
          text = `${ticket.number} was taken by ${other ? other.name : 'another desk'} first (${err.message}).`;
        }
      } catch {
        // Keep the server's message.
      }
      text += ' The waiting list has been refreshed.';
      refreshQueueSoon();
    }
    alertMessage(text);
  } finally {
    app.busy.delete('call');
  }
}

function openTransferDialog(t) {
  const services = app.state ? [...app.state.services.values()] : [];
  const targets = services
    .filter((s) => s.id !== t.service_id && s.active !== false)
    .sort((a, b) => a.code.localeCompare(b.code));
  if (!targets.length) {
    notice('There is no other service to transfer to.');
    return;
  }
  $('transfer-number').textContent = t.number;
  $('transfer-service').replaceChildren(...targets.map((s) => el('option', { value: String(s.id), text: `${s.code} · ${s.name}` })));
  $('transfer-dialog').showModal();
  $('transfer-service').focus();
}

// ---------- wiring ----------

function onKeyDown(e) {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
  if ($('console').hidden) return;
  if (document.querySelector('dialog[open]')) return;
  const target = e.target;
  if (target instanceof Element && target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]')) return;
  const key = e.key === '?' ? '?' : e.key.length === 1 ? e.key.toUpperCase() : '';
  const shortcut = SHORTCUTS.find(([k]) => k === key);
  if (!shortcut) return;
  e.preventDefault();
  doAction(shortcut[1]);
}

function renderShortcuts() {
  $('keys-inline').replaceChildren(...SHORTCUTS.map(([k, , label]) => el('li', {}, el('kbd', { text: k }), ` ${label}`)));
  $('keys-table').replaceChildren(...SHORTCUTS.map(([k, , , label]) => el('tr', {},
    el('th', { scope: 'row' }, el('kbd', { text: k })),
    el('td', { text: label }))));
}

function bindUi() {
  renderShortcuts();
  $('sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const username = $('username').value.trim();
    const password = $('password').value;
    if (await session.signIn(username, password)) $('password').value = '';
    else $('password').select();
  });
  $('pick-desk-form').addEventListener('submit', (e) => {
    e.preventDefault();
    useDesk(Number($('desk-select').value));
    $('call-next').focus();
  });
  $('change-desk').addEventListener('click', async () => {
    try {
      await loadDesks();
    } catch {
      // Use the list we have.
    }
    showPickDesk();
  });
  $('sign-out').addEventListener('click', () => session.signOut());
  $('show-shortcuts').addEventListener('click', () => $('keys-dialog').showModal());
  for (const button of document.querySelectorAll('#console [data-action]')) {
    button.addEventListener('click', () => doAction(button.dataset.action));
  }
  $('finish-form').addEventListener('submit', (e) => {
    e.preventDefault();
    doAction('finish');
  });
  for (const close of document.querySelectorAll('dialog [data-close]')) {
    close.addEventListener('click', () => close.closest('dialog').close());
  }
  $('call-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!$('call-reason').value.trim()) {
      $('call-reason').value = '';
      $('call-reason').reportValidity();
      return;
    }
    $('call-dialog').close();
    submitCall();
  });
  $('pause-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const reason = $('pause-reason').value.trim();
    if (!reason) {
      $('pause-reason').value = '';
      $('pause-reason').reportValidity();
      return;
    }
    $('pause-dialog').close();
    perform('pause', { reason }, (d) => `${d.name} is paused: ${reason}.`);
  });
  $('transfer-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const serviceId = Number($('transfer-service').value);
    $('transfer-dialog').close();
    perform('transfer', { service_id: serviceId }, (r) => `${r.number} transferred to ${serviceLabel(serviceId)}.`);
  });
  document.addEventListener('keydown', onKeyDown);
  setInterval(tick, 1000);
  setInterval(() => {
    if (app.deskId != null && session.token) refreshQueueSoon();
    if (app.deskId != null) refreshAppointments();
  }, QUEUE_REFRESH_MS);
}

start();
