// The manager console: sign in (managers, or admins who choose a branch),
// then five sections on tabs:
//   Monitor (monitor.js)       live queues, desks and alerts
//   Allocation (allocation.js) the desk × service weight matrix
//   Configuration (config.js)  branch, services, desks, users, devices
//   Reports (reports.js)       KPIs, charts, CSV, calls out of turn
//   Appointments (appointments.js) the day's bookings, opening hours, bookable services
//
// One LiveConnection (the shared /common/live.js) per branch feeds the
// monitor on every message; the other sections read the REST API when
// shown and re-read it when a live event says their data changed.

import { LiveConnection } from '/common/live.js';
import { api, login, logout } from '/common/api.js';
import { $, ctx, call, items, el, notice, alertMessage } from './util.js';
import * as monitor from './monitor.js';
import * as allocation from './allocation.js';
import * as config from './config.js';
import * as reports from './reports.js';
import * as appointments from './appointments.js';

const TOKEN_KEY = 'waitwell.manager.token';
const BRANCH_KEY = 'waitwell.manager.branch';

const sections = {
  monitor,
  'allocation-panel': allocation,
  'config-panel': config,
  'reports-panel': reports,
  'appointments-panel': appointments,
};

const app = { live: null, tab: 'monitor' };

function storageGet(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key, value) {
  try {
    if (value == null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Private mode: the session lasts for this page only.
  }
}

const show = (id, visible) => {
  $(id).hidden = !visible;
};

// ---------- sign-in ----------

async function start() {
  bindUi();
  ctx.onSignedOut = signedOut;
  syncClock();
  ctx.token = storageGet(TOKEN_KEY);
  if (!ctx.token) return showSignIn();
  try {
    const me = await api(ctx.token, 'GET', '/api/v1/auth/me');
    if (me.kind !== 'user') throw Object.assign(new Error('not a user session'), { status: 401 });
    await signedIn(me.user);
  } catch (err) {
    if (err.status === 401 || err.status === 403) {
      storageSet(TOKEN_KEY, null);
      return showSignIn();
    }
    alertMessage(`Cannot reach the server: ${err.message}`);
    setTimeout(start, 5000);
  }
}

/** Server time from the Date header (1 s resolution is plenty for waits). */
async function syncClock() {
  try {
    const sent = Date.now();
    const res = await fetch('/healthz', { cache: 'no-store' });
    const received = Date.now();
    const date = Date.parse(res.headers.get('date'));
    if (!Number.isNaN(date)) ctx.clockOffset = date + 500 - (sent + received) / 2;
  } catch {
    // Local time it is.
  }
}

function showSignIn(message) {
  show('sign-in', true);
  show('console', false);
  for (const id of ['who', 'conn', 'sign-out', 'branch-pick', 'branch-name']) show(id, false);
  if (message) alertMessage(message);
  document.title = 'Sign in – Manager console – Waitwell';
  $('username').focus();
}

async function signedIn(user) {
  if (user.role !== 'manager' && user.role !== 'admin') {
    storageSet(TOKEN_KEY, null);
    ctx.token = null;
    showSignIn(`${user.username} is a ${user.role}: the manager console is for managers and admins.`);
    return;
  }
  ctx.user = user;
  show('sign-in', false);
  $('who').textContent = `${user.username} (${user.role})`;
  show('who', true);
  show('sign-out', true);
  let branchId = user.branch_id;
  if (user.role === 'admin') {
    const branches = items(await call('GET', '/api/v1/branches'));
    if (!branches.length) {
      alertMessage('There is no branch yet. Create one with POST /api/v1/branches.');
      return;
    }
    const select = $('branch-select');
    select.replaceChildren(...branches.map((b) => el('option', { value: String(b.id), text: b.name })));
    const remembered = Number(storageGet(BRANCH_KEY));
    branchId = branches.some((b) => b.id === remembered) ? remembered : branches[0].id;
    select.value = String(branchId);
    show('branch-pick', true);
  }
  await useBranch(branchId);
}

async function useBranch(branchId) {
  ctx.branchId = branchId;
  storageSet(BRANCH_KEY, String(branchId));
  ctx.branch = await call('GET', `/api/v1/branches/${branchId}`);
  if (ctx.user.role !== 'admin') {
    $('branch-name').textContent = ctx.branch.name;
    show('branch-name', true);
  }
  ctx.state = null;
  for (const s of Object.values(sections)) s.reset?.();
  show('console', true);
  show('conn', true);
  if (app.live) app.live.close();
  app.live = new LiveConnection({
    branchId,
    token: ctx.token,
    onState: onLiveState,
    onStatus: onLiveStatus,
  });
  selectTab(app.tab);
}

async function signOut() {
  const token = ctx.token;
  signedOut();
  await logout(token);
}

function signedOut(message) {
  if (app.live) app.live.close();
  app.live = null;
  ctx.state = null;
  ctx.token = null;
  ctx.user = null;
  for (const s of Object.values(sections)) s.reset?.();
  storageSet(TOKEN_KEY, null);
  notice('');
  showSignIn(message);
}

// ---------- live state ----------

function onLiveStatus(status) {
  $('conn').dataset.status = status;
  $('conn-text').textContent = status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Offline – retrying';
  if (status === 'offline' && ctx.token) {
    api(ctx.token, 'GET', '/api/v1/auth/me').catch((err) => {
      if (err.status === 401) signedOut('Your session has ended. Please sign in again.');
    });
  }
}

function onLiveState(state, msg) {
  ctx.state = state;
  if (msg.type === 'branch.updated' && state.branch) ctx.branch = { ...ctx.branch, ...state.branch };
  // Every section hears every message; each decides what concerns it.
  for (const s of Object.values(sections)) s.onLive?.(state, msg);
}

// ---------- tabs ----------

function selectTab(id) {
  app.tab = id;
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const on = tab.dataset.tab === id;
    tab.setAttribute('aria-selected', on ? 'true' : 'false');
    tab.tabIndex = on ? 0 : -1;
    $(tab.dataset.tab).hidden = !on;
  }
  const title = document.querySelector(`[data-tab="${id}"]`).textContent;
  document.title = `${title} – Manager console – Waitwell`;
  sections[id].show?.();
}

function bindUi() {
  $('sign-in-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    alertMessage('');
    try {
      const res = await login($('username').value.trim(), $('password').value);
      ctx.token = res.token;
      storageSet(TOKEN_KEY, res.token);
      $('password').value = '';
      await signedIn(res.user);
    } catch (err) {
      alertMessage(err.status === 401 ? 'Wrong user name or password.' : `Cannot sign in: ${err.message}`);
    }
  });
  $('sign-out').addEventListener('click', signOut);
  $('branch-select').addEventListener('change', (ev) => useBranch(Number(ev.target.value)));
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab.dataset.tab));
    // Arrow keys move between tabs (WAI-ARIA tabs pattern).
    tab.addEventListener('keydown', (ev) => {
      const i = tabs.indexOf(tab);
      const next = ev.key === 'ArrowRight' ? tabs[(i + 1) % tabs.length]
        : ev.key === 'ArrowLeft' ? tabs[(i + tabs.length - 1) % tabs.length] : null;
      if (next) {
        ev.preventDefault();
        next.focus();
        selectTab(next.dataset.tab);
      }
    });
  }
  for (const s of Object.values(sections)) s.bind?.();
}

start();
