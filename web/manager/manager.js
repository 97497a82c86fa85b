// The manager console: sign in (managers, or admins who choose a branch),
// then five sections on tabs:
//   Monitor (monitor.js)       live queues, desks and alerts
//   Allocation (allocation.js) the desk × service weight matrix
//   Configuration (config.js)  branch, services, desks, users, devices
//   Reports (reports.js)       KPIs, charts, CSV, calls out of turn
//   Staffing (staffing.js)     desks needed per hour and service against desks open
//   Appointments (appointments.js) the day's bookings, opening hours, bookable services
//
// One LiveConnection (the shared /common/live.js) per branch feeds the
// monitor on every message; the other sections read the REST API when
// shown and re-read it when a live event says their data changed.
//
// Texts are i18n/<lang>/manager.ftl (English, Polish, Danish) through
// web/common/i18n.js, as in the clerk console: the language chosen in the
// top bar (remembered on this computer), else the browser's, else English.
// A change of language redraws every section through its retranslate().

import { LiveConnection } from '/common/live.js';
import { serverClockOffset } from '/common/api.js';
import { loadConsoleLanguages } from '/common/i18n.js';
import { show, storageGet, storageSet } from '/common/dom.js';
import { $, ctx, call, items, el, notice, alertMessage, session, texts, t } from './util.js';
import * as monitor from './monitor.js';
import * as allocation from './allocation.js';
import * as config from './config.js';
import * as reports from './reports.js';
import * as staffing from './staffing.js';
import * as appointments from './appointments.js';

const BRANCH_KEY = 'waitwell.manager.branch';
const LANG_KEY = 'waitwell.manager.lang';
/** The console's languages (each with i18n/<lang>/manager.ftl). */
const LANGUAGES = ['en', 'pl', 'da'];

const sections = {
  monitor,
  'allocation-panel': allocation,
  'config-panel': config,
  'reports-panel': reports,
  'staffing-panel': staffing,
  'appointments-panel': appointments,
};

const app = { live: null, tab: 'monitor' };

// ---------- sign-in ----------

async function start() {
  await loadLanguages();
  bindUi();
  Object.assign(session, { onSignedIn: signedIn, onSignedOut: signedOut, onMessage: alertMessage });
  syncClock();
  session.start();
}

/** Loads the console's translations and picks its language. */
async function loadLanguages() {
  await loadConsoleLanguages(texts, LANGUAGES, LANG_KEY);
  texts.apply();
}

/** Switches the console to `lang` and redraws what is shown. */
function useLanguage(lang) {
  texts.lang = lang;
  storageSet(LANG_KEY, lang);
  texts.apply();
  if (session.user) {
    showWho(session.user);
    if (app.live) session.liveStatus(session.lastLiveStatus || 'connecting');
    for (const s of Object.values(sections)) s.retranslate?.();
    setTitle();
  } else {
    document.title = t('title-sign-in');
  }
}

/** Server time from the Date header (1 s resolution is plenty for waits). */
async function syncClock() {
  const offset = await serverClockOffset();
  if (offset != null) ctx.clockOffset = offset;
}

function showSignIn(message) {
  show('sign-in', true);
  show('console', false);
  for (const id of ['who', 'conn', 'sign-out', 'branch-pick', 'branch-name']) show(id, false);
  if (message) alertMessage(message);
  document.title = t('title-sign-in');
  $('username').focus();
}

async function signedIn(user) {
  if (user.role !== 'manager' && user.role !== 'admin') {
    session.end(t('not-a-manager', { user: user.username, role: t(`role-${user.role}`) }));
    return;
  }
  show('sign-in', false);
  showWho(user);
  show('who', true);
  show('sign-out', true);
  let branchId = user.branch_id;
  if (user.role === 'admin') {
    const branches = items(await call('GET', '/api/v1/branches'));
    if (!branches.length) {
      alertMessage(t('no-branch'));
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
  if (session.user.role !== 'admin') {
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
    token: session.token,
    onState: onLiveState,
    onStatus: (status) => session.liveStatus(status),
  });
  selectTab(app.tab);
}

/** The session ended (signed out, or refused by the server): back to sign-in. */
function signedOut(message) {
  if (app.live) app.live.close();
  app.live = null;
  ctx.state = null;
  for (const s of Object.values(sections)) s.reset?.();
  notice('');
  showSignIn(message);
}

/** "name (role)" in the top bar. */
function showWho(user) {
  $('who').textContent = t('who', { user: user.username, role: t(`role-${user.role}`) });
}

// ---------- live state ----------

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
  setTitle();
  sections[id].show?.();
}

/** The window's title: the shown tab's name and the console's. */
function setTitle() {
  const title = document.querySelector(`[data-tab="${app.tab}"]`).textContent;
  document.title = t('title-tab', { tab: title });
}

function bindUi() {
  $('sign-in-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    alertMessage('');
    if (await session.signIn($('username').value.trim(), $('password').value)) $('password').value = '';
  });
  $('sign-out').addEventListener('click', () => session.signOut());
  $('lang-select').addEventListener('change', () => useLanguage($('lang-select').value));
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
