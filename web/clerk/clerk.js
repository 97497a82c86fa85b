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
//
// Texts are i18n/<lang>/clerk.ftl through web/common/i18n.js (English,
// Polish, Danish): the browser's language when shipped, else English, and
// a language switch in the top bar (remembered on this computer).

import { LiveConnection } from '/common/live.js';
import { duration } from '/common/api.js';
import { $, el, show, storageGet, storageSet, notice, alertMessage } from '/common/dom.js';
import { StaffSession } from '/common/session.js';
import { renderAppointments } from './appointments.js';
import { Translator, loadConsoleLanguages } from '/common/i18n.js';

const TOKEN_KEY = 'waitwell.clerk.token';
const DESK_KEY = 'waitwell.clerk.desk';
const LANG_KEY = 'waitwell.clerk.lang';
/** The console's languages (each with i18n/<lang>/clerk.ftl). */
const LANGUAGES = ['en', 'pl', 'da'];
const texts = new Translator('clerk');

/** A text of the console in its language, with `vars` filled in (the id
 *  itself when no translation has it). */
export function t(id, vars) {
  const text = texts.t(id, vars);
  return text == null ? id : text;
}

/** `t(id)` around a node: the text before and after its `{$name}`. */
function around(id, name, node, vars) {
  const [before, after = ''] = t(id, vars).split(`{$${name}}`);
  return [before, node, after];
}
/** The waiting list is fetched at most this often while events stream in. */
const QUEUE_THROTTLE_MS = 300;
/** ... and at least this often, so the reasons' "queued N min ago" stay true. */
const QUEUE_REFRESH_MS = 60000;

/** [key, action]; the short label (always on the page) is label-<action>,
 *  the full one (dialog) help-<action>. */
export const SHORTCUTS = [
  ['N', 'call-next'],
  ['R', 'recall'],
  ['S', 'start'],
  ['F', 'finish'],
  ['X', 'no-show'],
  ['T', 'transfer'],
  ['P', 'park'],
  ['O', 'open'],
  ['Z', 'pause'],
  ['C', 'close'],
  ['?', 'shortcuts'],
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
  texts: t,
});
const call = (method, path, body) => session.call(method, path, body);

const serverNow = () => Date.now() + app.clockOffset;

function since(ms) {
  return el('span', { class: 'since', 'data-since': String(ms), text: duration((serverNow() - ms) / 1000) });
}

const serviceOf = (id) => app.state && app.state.services.get(id);
const serviceLabel = (id) => {
  const s = serviceOf(id) || (app.queue && app.queue.services.find((q) => q.service_id === id));
  return s ? `${s.code} · ${s.name}` : `#${id}`;
};

function priorityMark(priority) {
  if (priority === 'priority') return el('span', { class: 'mark mark-priority', text: t('mark-priority') });
  if (priority === 'appointment') return el('span', { class: 'mark mark-appointment', text: t('mark-appointment') });
  return null;
}

// ---------- sign-in and desk choice ----------

async function start() {
  await loadLanguages();
  bindUi();
  session.start();
}

/** Loads the console's translations and picks its language. */
async function loadLanguages() {
  await loadConsoleLanguages(texts, LANGUAGES, LANG_KEY);
  applyTexts();
}

/** The page's static texts, and everything drawn, in the language. */
function applyTexts() {
  texts.apply();
  for (const node of document.querySelectorAll('[data-i18n-value]')) node.value = t(node.dataset.i18nValue);
  renderShortcuts();
}

function showSignIn(message) {
  show('sign-in', true);
  show('pick-desk', false);
  show('console', false);
  for (const id of ['who', 'conn', 'change-desk', 'show-shortcuts', 'sign-out']) show(id, false);
  if (message) alertMessage(message);
  document.title = t('title-sign-in');
  $('username').focus();
}

async function signedIn(user) {
  show('sign-in', false);
  $('who').textContent = t('signed-in-as', { user: user.username });
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
  if (d.status === 'closed') return t('option-closed', { desk: d.name });
  const who = d.user_id == null ? '' : d.user_id === session.user.id ? t('option-you') : t('option-other');
  return t(d.status === 'paused' ? 'option-paused' : 'option-open', { desk: d.name, who });
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
    notice(t(r.outcome === 'walk_in' ? 'checked-in-late' : 'checked-in', { time: a.time, number: r.ticket.number }));
  } catch (err) {
    if (err.status !== 401) alertMessage(t('check-in-failed', { message: err.message }));
  }
  refreshAppointments();
}

/** Today's appointments of the branch; a failure keeps the last list. */
async function refreshAppointments() {
  if (!session.token || app.branchId == null) return;
  try {
    renderAppointments(await call('GET', `/api/v1/branches/${app.branchId}/appointments`), checkInAppointment, t);
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
  if (!desk) return t('still-loading');
  const cur = currentTicket();
  const none = t('no-visitor-now');
  const d = { desk: desk.name };
  switch (action) {
    case 'open':
      return desk.status === 'open' ? t('already-open', d) : null;
    case 'pause':
      if (desk.status === 'paused') return t('already-paused', d);
      return desk.status === 'closed' ? t('closed-open-first', d) : null;
    case 'close':
      if (desk.status === 'closed') return t('already-closed', d);
      return cur ? t('still-at-desk', { number: cur.number }) : null;
    case 'call-next':
    case 'call':
      if (desk.status !== 'open') return t('not-open', { ...d, status: t(`state-${desk.status}`, { reason: desk.pause_reason || t('no-reason') }) });
      return cur ? t('still-at-desk-finish', { number: cur.number }) : null;
    case 'recall':
    case 'start':
      if (!cur) return none;
      return cur.status !== 'called' ? t('already-serving', { number: cur.number }) : null;
    case 'no-show':
      if (!cur) return none;
      return cur.status !== 'called' ? t('serving-no-show', { number: cur.number }) : null;
    case 'finish':
    case 'transfer':
    case 'park':
      return cur ? null : none;
    default:
      return null;
  }
}

// ---------- rendering ----------

function render() {
  if (!session.user || app.deskId == null) return;
  const desk = currentDesk() || app.desks.find((d) => d.id === app.deskId);
  $('desk-title').textContent = desk ? desk.name : t('desk');
  document.title = t('title-desk', { desk: desk ? desk.name : t('desk') });
  const state = $('desk-state');
  if (desk) {
    state.dataset.status = desk.status;
    state.textContent = desk.status === 'paused'
      ? t('state-paused', { reason: desk.pause_reason || t('no-reason') })
      : t(desk.status === 'open' ? 'state-open' : 'state-closed');
  }
  const other = desk && desk.user_id != null && desk.user_id !== session.user.id && desk.status !== 'closed';
  $('desk-warning').textContent = other
    ? t('other-clerk', { desk: desk.name })
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
  const cur = currentTicket();
  const desk = currentDesk();
  // Most live events concern other desks: leave the DOM (and a screen
  // reader's place in it) alone unless something shown here changed.
  const key = JSON.stringify([texts.lang, desk && desk.status, cur && [cur.id, cur.status, cur.call_count, cur.service_id, cur.called_at, cur.started_at]]);
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  if (!cur) {
    const hint = !desk ? t('loading')
      : desk.status === 'open' ? t('no-visitor-open')
        : desk.status === 'paused' ? t('no-visitor-paused')
          : t('no-visitor-closed');
    box.replaceChildren(el('p', { class: 'none', text: hint }));
    box.dataset.ticketId = '';
    return;
  }
  box.dataset.ticketId = String(cur.id);
  const serving = cur.status === 'serving';
  const timerStart = serving ? cur.started_at : cur.called_at;
  box.replaceChildren(
    el('p', { class: 'current-number', id: 'current-number', text: cur.number }),
    el('div', { class: 'current-meta' },
      el('p', { class: `badge badge-${cur.status}`, text: t(serving ? 'badge-serving' : 'badge-called') }),
      priorityMark(cur.priority),
      el('p', { class: 'current-service', text: serviceLabel(cur.service_id) }),
      el('p', { class: 'timer' },
        ...around(serving ? 'serving-for' : 'called-ago', 'time', el('strong', {}, since(timerStart))),
        cur.call_count > 1 ? ` ${t('called-times', { count: cur.call_count })}` : ''),
      cur.out_of_turn_reason ? el('p', { class: 'hint', text: t('called-out-of-turn', { reason: cur.out_of_turn_reason }) }) : null),
  );
}

function renderQueue(view) {
  app.queue = view;
  const standard = new Map(view.services.map((s) => [s.service_id, s.standard_wait_s]));
  const rows = view.waiting.map((w, i) => {
    const over = w.waited_s > (standard.get(w.service_id) ?? Infinity);
    const action = i === 0
      ? el('span', { class: 'next-tag', text: t('next') })
      : el('button', {
        type: 'button',
        class: 'small',
        'aria-label': t('call-out-of-turn-label', { number: w.number }),
        text: t('call-button'),
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
        over ? el('span', { class: 'visually-hidden', text: ` ${t('over-standard')}` }) : null),
      el('td', { class: 'reason', text: w.reason }),
      el('td', { class: 'act' }, action));
  });
  // Keep the keyboard focus on the same ticket's button across refreshes.
  const focused = document.activeElement && document.activeElement.closest('[data-ticket-id]');
  const focusedId = focused && focused.dataset.ticketId;
  $('queue-body').replaceChildren(...rows);
  show('queue', rows.length > 0);
  show('queue-empty', rows.length === 0);
  $('queue-count').textContent = t('queue-count', { count: rows.length });

  const parked = view.parked.map((p) => el('li', { 'data-ticket-id': String(p.id) },
    el('span', { class: 'number', text: p.number }),
    priorityMark(p.priority),
    el('span', { class: 'svc', text: serviceLabel(p.service_id) }),
    el('span', { class: 'waited' }, ...around('parked-ago', 'time', since(p.updated_at))),
    el('button', {
      type: 'button',
      class: 'small',
      'aria-label': t('call-back-label', { number: p.number }),
      text: t('call-button'),
      onclick: () => openCallDialog({ id: p.id, number: p.number, parked: true }, 'return from park'),
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
    if (err.status !== 401) listProblem(t('list-failed', { message: err.message }));
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

/** An action's short name, as on its button. */
const label = (action) => t(`label-${action}`);

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
      actionProblem(`${t('action-failed', { action: label(action), message: err.message })}${err.status === 409 ? ` ${t('brought-up-to-date')}` : ''}`);
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
    notice(t('blocked', { action: label(action), why }));
    return;
  }
  const cur = currentTicket();
  switch (action) {
    case 'call-next':
      return perform('call-next', undefined, (r) => (r ? t('called', { number: r.number }) : t('nobody-waiting')));
    case 'recall':
      return perform('recall', undefined, (r) => t('called-again', { number: r.number }));
    case 'start':
      return perform('start', undefined, (r) => t('serving', { number: r.number }));
    case 'finish': {
      const outcome = $('outcome').value.trim();
      return perform('finish', outcome ? { outcome } : undefined, (r) => {
        $('outcome').value = '';
        return outcome ? t('finished-outcome', { number: r.number, outcome }) : t('finished', { number: r.number });
      });
    }
    case 'no-show':
      return perform('no-show', undefined, (r) => t('no-show-done', { number: r.number }));
    case 'park':
      return perform('park', undefined, (r) => t('parked-done', { number: r.number }));
    case 'transfer':
      return openTransferDialog(cur);
    case 'open':
      return perform('open', undefined, (d) => t('desk-open', { desk: d.name }));
    case 'pause':
      $('pause-reason').value = '';
      return $('pause-dialog').showModal();
    case 'close':
      return perform('close', undefined, (d) => t('desk-closed', { desk: d.name }));
    default:
      return undefined;
  }
}

let callTarget = null;

function openCallDialog(ticket, reason) {
  const why = blocked('call');
  if (why) {
    notice(t('blocked', { action: t('call-out-of-turn-label', { number: ticket.number }), why }));
    return;
  }
  callTarget = ticket;
  $('call-dialog-title').textContent = t('call-dialog-title', { number: ticket.number });
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
    notice(t(ticket.parked ? 'called-back' : 'called-out-of-turn-done', { number: r.number }));
  } catch (err) {
    if (err.status === 401) return;
    let text = t('call-failed', { number: ticket.number, message: err.message });
    if (err.status === 409 || err.status === 404) {
      // Say plainly when another desk was faster.
      try {
        const now = await call('GET', `/api/v1/tickets/${ticket.id}`);
        if (now.status !== 'waiting' && now.status !== 'parked') {
          const other = now.desk_id != null && app.state && app.state.desks.get(now.desk_id);
          text = t('taken-first', { number: ticket.number, desk: other ? other.name : t('another-desk'), message: err.message });
        }
      } catch {
        // Keep the server's message.
      }
      text += ` ${t('list-refreshed')}`;
      refreshQueueSoon();
    }
    alertMessage(text);
  } finally {
    app.busy.delete('call');
  }
}

function openTransferDialog(cur) {
  const services = app.state ? [...app.state.services.values()] : [];
  const targets = services
    .filter((s) => s.id !== cur.service_id && s.active !== false)
    .sort((a, b) => a.code.localeCompare(b.code));
  if (!targets.length) {
    notice(t('no-other-service'));
    return;
  }
  $('transfer-dialog-title').textContent = t('transfer-title', { number: cur.number });
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
  $('keys-inline').replaceChildren(...SHORTCUTS.map(([k, action]) => el('li', {}, el('kbd', { text: k }), ` ${label(action)}`)));
  $('keys-table').replaceChildren(...SHORTCUTS.map(([k, action]) => el('tr', {},
    el('th', { scope: 'row' }, el('kbd', { text: k })),
    el('td', { text: t(`help-${action}`) }))));
}

function bindUi() {
  $('lang-select').addEventListener('change', () => {
    texts.lang = $('lang-select').value;
    storageSet(LANG_KEY, texts.lang);
    applyTexts();
    if (session.user) {
      $('who').textContent = t('signed-in-as', { user: session.user.username });
      if (app.live) session.liveStatus(session.lastLiveStatus || 'connecting');
      if (!$('pick-desk').hidden) showPickDesk();
      render();
      if (app.queue) renderQueue(app.queue);
      refreshAppointments();
    } else {
      document.title = t('title-sign-in');
    }
  });
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
    perform('pause', { reason }, (d) => t('desk-paused', { desk: d.name, reason }));
  });
  $('transfer-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const serviceId = Number($('transfer-service').value);
    $('transfer-dialog').close();
    perform('transfer', { service_id: serviceId }, (r) => t('transferred', { number: r.number, service: serviceLabel(serviceId) }));
  });
  document.addEventListener('keydown', onKeyDown);
  setInterval(tick, 1000);
  setInterval(() => {
    if (app.deskId != null && session.token) refreshQueueSoon();
    if (app.deskId != null) refreshAppointments();
  }, QUEUE_REFRESH_MS);
}

start();
