// Configuration of the branch: its settings, services, desks, users and
// devices. Each table row is a small form saved with one PATCH; "new"
// forms POST. Lists are re-read when shown and when a live event says
// something of that kind changed (another manager at work).

import { $, ctx, call, items, el, notice, attempt, clock, ago, session, t, printerText } from './util.js';

const c = { loaded: false, reloadTimer: null, lists: null };

const minutes = (s) => String(Math.round((s / 60) * 10) / 10);
const seconds = (text) => Math.round(Number(text) * 60);
/** A form control's value by name (`form.name` would be the form's own name). */
const val = (form, name) => form.elements.namedItem(name).value;

export function reset() {
  c.loaded = false;
  $('device-token').hidden = true;
}

export function show() {
  load();
}

/** Redraws the lists in the console's new language (rows being typed
 *  into are redrawn at the next load, as on a refresh). */
export function retranslate() {
  if (!c.lists || $('config-panel').hidden) return;
  draw(c.lists);
}

export function onLive(state, msg) {
  if (!c.loaded || $('config-panel').hidden) return;
  if (/^(branch|service|desk|user|device)\.(created|updated|token_rotated|status)$/.test(msg.type)) {
    clearTimeout(c.reloadTimer);
    c.reloadTimer = setTimeout(load, 300);
  }
}

async function load() {
  const b = ctx.branchId;
  const data = await attempt(t('loading-config'), () => Promise.all([
    call('GET', `/api/v1/branches/${b}`),
    call('GET', `/api/v1/branches/${b}/services`),
    call('GET', `/api/v1/branches/${b}/desks`),
    call('GET', `/api/v1/branches/${b}/users`),
    call('GET', `/api/v1/branches/${b}/devices/status`),
  ]));
  if (!data) return;
  const [branch, services, desks, users, devices] = data;
  ctx.branch = branch;
  c.loaded = true;
  // A form being typed into is not overwritten by a refresh.
  if (!$('branch-form').contains(document.activeElement)) fillBranch(branch);
  c.lists = { services: items(services), desks: items(desks), users: items(users), devices: items(devices) };
  draw(c.lists);
}

/** The four lists; a table being typed into is left alone. */
function draw(lists) {
  if (!$('services-body').contains(document.activeElement)) renderServices(lists.services);
  if (!$('desks-body').contains(document.activeElement)) renderDesks(lists.desks);
  if (!$('users-body').contains(document.activeElement)) renderUsers(lists.users);
  if (!$('devices-body').contains(document.activeElement)) renderDevices(lists.devices);
}

// ---------- branch ----------

function fillBranch(b) {
  $('b-name').value = b.name;
  $('b-timezone').value = b.timezone;
  $('b-rollover').value = b.rollover;
  $('b-languages').value = (b.languages || []).join(', ');
  $('b-kiosk').value = b.kiosk_message || '';
  kioskMessagesField().value = namesText(b.kiosk_messages);
  $('b-priority-credit').value = minutes(b.policy.priority_credit_s);
  $('b-appointment-credit').value = minutes(b.policy.appointment_credit_s);
  $('b-weight-step').value = minutes(b.policy.weight_step_s);
  $('b-interleave').value = String(b.policy.priority_interleave);
}

// The kiosk message per language, entered like service names per language
// ("pl=…; da=…"). The field is added next to the kiosk message here so that
// the page's markup stays as it is.
function kioskMessagesField() {
  let input = $('b-kiosk-messages');
  if (!input) {
    input = el('input', { id: 'b-kiosk-messages', placeholder: 'pl=…; da=…' });
    $('b-kiosk').parentNode.after(el('div', { class: 'wide' },
      el('label', { for: 'b-kiosk-messages' },
        el('span', { 'data-i18n': 'kiosk-messages', text: t('kiosk-messages') }), ' ',
        el('span', { class: 'hint', 'data-i18n': 'kiosk-messages-hint', text: t('kiosk-messages-hint') })),
      input));
  }
  return input;
}

/** The `lang=text; …` field's value as an object, or null after telling
 *  the manager what is wrong with it. */
async function namesOf(input, what) {
  try {
    return parseNames(input.value);
  } catch (err) {
    await attempt(what, () => Promise.reject(err));
    return null;
  }
}

async function saveBranch(ev) {
  ev.preventDefault();
  const kioskMessages = await namesOf(kioskMessagesField(), t('kiosk-messages'));
  if (!kioskMessages) return;
  const body = {
    name: $('b-name').value.trim(),
    timezone: $('b-timezone').value.trim(),
    rollover: $('b-rollover').value,
    languages: $('b-languages').value.split(',').map((s) => s.trim()).filter(Boolean),
    kiosk_message: $('b-kiosk').value,
    kiosk_messages: kioskMessages,
    policy: {
      priority_credit_s: seconds($('b-priority-credit').value),
      appointment_credit_s: seconds($('b-appointment-credit').value),
      weight_step_s: seconds($('b-weight-step').value),
      priority_interleave: Number($('b-interleave').value),
    },
  };
  const saved = await attempt(t('saving-branch'), () => call('PATCH', `/api/v1/branches/${ctx.branchId}`, body));
  if (saved) {
    ctx.branch = saved;
    fillBranch(saved);
    if (session.user.role !== 'admin') $('branch-name').textContent = saved.name;
    notice(t('branch-saved'));
  }
}

// ---------- services ----------

/** "en=Passports; pl=Paszporty" <-> {en: …, pl: …} */
const namesText = (names) => Object.entries(names || {}).map(([k, v]) => `${k}=${v}`).join('; ');
function parseNames(text) {
  const out = {};
  for (const part of text.split(';')) {
    if (!part.trim()) continue;
    const i = part.indexOf('=');
    if (i < 1) throw new Error(t('not-lang-name', { part: part.trim() }));
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

const field = (attrs) => el('input', attrs);
const check = (name, checked, label) => el('input', { type: 'checkbox', name, checked, 'aria-label': label });

function renderServices(list) {
  $('services-body').replaceChildren(...list.map((s) => el('tr', { 'data-id': String(s.id) },
    el('th', { scope: 'row', class: 'code', text: s.code }),
    el('td', {}, field({ name: 'name', value: s.name, required: true, maxLength: 120, 'aria-label': t('label-name-of', { name: s.code }) })),
    el('td', {}, field({ name: 'names', value: namesText(s.names), 'aria-label': t('label-names-of', { code: s.code }), placeholder: 'pl=…; da=…' })),
    el('td', {},
      field({ name: 'category', value: s.category, maxLength: 80, size: 10, 'aria-label': t('label-category-of', { code: s.code }) }),
      field({ name: 'category-names', value: namesText(s.category_names), size: 10, 'aria-label': t('label-category-names-of', { code: s.code }), placeholder: 'pl=…; da=…' })),
    el('td', {}, field({ name: 'standard', type: 'number', min: '1', step: 'any', value: minutes(s.standard_wait_s), class: 'num', 'aria-label': t('label-standard-of', { code: s.code }) })),
    el('td', {}, field({ name: 'expected', type: 'number', min: '1', step: 'any', value: minutes(s.expected_service_s), class: 'num', 'aria-label': t('label-expected-of', { code: s.code }) })),
    el('td', { class: 'c' }, check('priority', s.priority_allowed, t('label-priority-of', { code: s.code }))),
    el('td', { class: 'c' }, check('active', s.active, t('label-active', { name: s.code }))),
    // Remote tickets (the office's public page, /office/?branch=ID): on/off,
    // a daily cap (empty for none) and the share kept for walk-ins.
    el('td', { class: 'c' }, el('input', {
      type: 'checkbox', name: 'remote', checked: s.remote_enabled, 'aria-label': t('label-remote-of', { code: s.code }),
      onchange: (ev) => remoteDefaults(ev.target),
    })),
    el('td', {}, field({ name: 'remote-cap', type: 'number', min: '1', max: '100000', step: '1', value: s.remote_daily_cap == null ? '' : String(s.remote_daily_cap), class: 'num', placeholder: t('placeholder-none'), 'aria-label': t('label-remote-cap-of', { code: s.code }) })),
    el('td', {}, field({ name: 'walk-in', type: 'number', min: '0', max: '100', step: '1', value: String(s.remote_walk_in_share ?? 0), class: 'num', 'aria-label': t('label-walk-in-of', { code: s.code }) })),
    el('td', {}, el('button', { type: 'button', class: 'small', text: t('save'), onclick: (ev) => saveService(s, ev.target.closest('tr')) })))));
}

// Switching remote tickets on proposes the server's protective defaults
// (server/src/remote.rs: DEFAULT_DAILY_CAP, DEFAULT_WALK_IN_SHARE) where the
// row has no cap and no walk-in share, since this form always sends both.
const REMOTE_DEFAULT_CAP = 50;
const REMOTE_DEFAULT_WALK_IN = 30;

function remoteDefaults(box) {
  if (!box.checked) return;
  const row = box.closest('tr');
  const cap = row.querySelector('[name="remote-cap"]');
  const share = row.querySelector('[name="walk-in"]');
  if (cap.value.trim() === '') cap.value = String(REMOTE_DEFAULT_CAP);
  if (Number(share.value || 0) === 0) share.value = String(REMOTE_DEFAULT_WALK_IN);
}

async function saveService(s, row) {
  const v = (name) => row.querySelector(`[name="${name}"]`);
  const names = await namesOf(v('names'), t('names-of', { code: s.code }));
  if (!names) return;
  const categoryNames = await namesOf(v('category-names'), t('label-category-names-of', { code: s.code }));
  if (!categoryNames) return;
  const body = {
    name: v('name').value.trim(),
    names,
    category: v('category').value.trim(),
    category_names: categoryNames,
    standard_wait_s: seconds(v('standard').value),
    expected_service_s: seconds(v('expected').value),
    priority_allowed: v('priority').checked,
    active: v('active').checked,
    remote_enabled: v('remote').checked,
    remote_daily_cap: v('remote-cap').value.trim() === '' ? null : Number(v('remote-cap').value),
    remote_walk_in_share: Number(v('walk-in').value || 0),
  };
  const saved = await attempt(t('saving-named', { name: s.code }), () => call('PATCH', `/api/v1/services/${s.id}`, body));
  if (saved) notice(t('service-saved', { code: saved.code }));
}

async function newService(ev) {
  ev.preventDefault();
  const f = ev.target;
  const body = {
    code: val(f, 'code').trim().toUpperCase(),
    name: val(f, 'name').trim(),
    standard_wait_s: seconds(val(f, 'standard')),
    expected_service_s: seconds(val(f, 'expected')),
  };
  const saved = await attempt(t('adding-service'), () => call('POST', `/api/v1/branches/${ctx.branchId}/services`, body));
  if (saved) {
    f.reset();
    notice(t('service-added', { code: saved.code }));
    load();
  }
}

// ---------- desks ----------

function renderDesks(list) {
  $('desks-body').replaceChildren(...list.map((d) => el('tr', { 'data-id': String(d.id) },
    el('td', {},
      field({ name: 'name', value: d.name, required: true, maxLength: 120, 'aria-label': t('label-name-of', { name: d.name }) }),
      // What visitors read on displays and their tickets, per language.
      field({ name: 'names', value: namesText(d.names), 'aria-label': t('label-desk-names-of', { name: d.name }), placeholder: 'pl=…; da=…' })),
    el('td', {}, el('span', { class: `status status-${d.status}`, text: t(`desk-${d.status}`) })),
    el('td', { class: 'c' }, check('active', d.active, t('label-active', { name: d.name }))),
    el('td', {}, el('button', { type: 'button', class: 'small', text: t('save'), onclick: (ev) => saveDesk(d, ev.target.closest('tr')) })))));
}

async function saveDesk(d, row) {
  const names = await namesOf(row.querySelector('[name="names"]'), t('label-desk-names-of', { name: d.name }));
  if (!names) return;
  const body = { name: row.querySelector('[name="name"]').value.trim(), names, active: row.querySelector('[name="active"]').checked };
  const saved = await attempt(t('saving-named', { name: d.name }), () => call('PATCH', `/api/v1/desks/${d.id}`, body));
  if (saved) notice(t('saved-named', { name: saved.name }));
}

async function newDesk(ev) {
  ev.preventDefault();
  const f = ev.target;
  const saved = await attempt(t('adding-desk'), () => call('POST', `/api/v1/branches/${ctx.branchId}/desks`, { name: val(f, 'name').trim() }));
  if (saved) {
    f.reset();
    notice(t('desk-added', { name: saved.name }));
    load();
  }
}

// ---------- users ----------

function renderUsers(list) {
  $('users-body').replaceChildren(...list.map((u) => {
    const me = session.user && session.user.id === u.id;
    const role = el('select', { name: 'role', 'aria-label': t('label-role-of', { user: u.username }), disabled: u.role === 'admin' || me },
      ...['clerk', 'manager', ...(u.role === 'admin' ? ['admin'] : [])].map((r) => el('option', { value: r, text: t(`role-${r}`), selected: r === u.role })));
    return el('tr', { 'data-id': String(u.id) },
      el('th', { scope: 'row', text: me ? t('user-you', { user: u.username }) : u.username }),
      el('td', {}, role),
      el('td', { class: 'c' }, el('input', { type: 'checkbox', name: 'active', checked: u.active, disabled: me, 'aria-label': t('label-active', { name: u.username }) })),
      el('td', {}, field({ name: 'password', type: 'password', autocomplete: 'new-password', minLength: 8, placeholder: t('placeholder-unchanged'), 'aria-label': t('label-password-of', { user: u.username }) })),
      el('td', {}, el('button', { type: 'button', class: 'small', text: t('save'), onclick: (ev) => saveUser(u, ev.target.closest('tr')) })));
  }));
}

async function saveUser(u, row) {
  const body = {};
  const role = row.querySelector('[name="role"]');
  const active = row.querySelector('[name="active"]');
  const password = row.querySelector('[name="password"]');
  if (!role.disabled && role.value !== u.role) body.role = role.value;
  if (!active.disabled && active.checked !== u.active) body.active = active.checked;
  if (password.value) body.password = password.value;
  if (!Object.keys(body).length) {
    notice(t('nothing-changed', { user: u.username }));
    return;
  }
  const saved = await attempt(t('saving-named', { name: u.username }), () => call('PATCH', `/api/v1/users/${u.id}`, body));
  if (saved) {
    password.value = '';
    notice(t('saved-named', { name: saved.username }));
    load();
  }
}

async function newUser(ev) {
  ev.preventDefault();
  const f = ev.target;
  const body = { username: val(f, 'username').trim(), password: val(f, 'password'), role: val(f, 'role') };
  const saved = await attempt(t('adding-user'), () => call('POST', `/api/v1/branches/${ctx.branchId}/users`, body));
  if (saved) {
    f.reset();
    notice(t('user-added', { user: saved.username, role: t(`role-${saved.role}`) }));
    load();
  }
}

// ---------- devices ----------

function renderDevices(list) {
  $('devices-body').replaceChildren(...list.map((d) => el('tr', { 'data-id': String(d.id) },
    el('td', {}, field({ name: 'name', value: d.name, required: true, maxLength: 120, 'aria-label': t('label-device-name-of', { name: d.name }) })),
    el('td', { text: t(`kind-${d.kind}`) }),
    el('td', {},
      el('span', { class: `online online-${d.online}`, text: d.online ? t('online') : t('offline') }),
      el('span', { class: 'hint', text: ` ${ago(d.last_seen_at)}` })),
    el('td', {},
      d.printer
        ? el('span', { class: `printer printer-${d.printer}`, text: printerText(d.printer), title: d.detail || '' })
        : el('span', { class: 'hint', text: d.kind === 'kiosk' ? t('no-report') : '–' }),
      d.status_since && d.printer && d.printer !== 'ok' ? el('span', { class: 'hint', text: ` ${t('since', { time: clock(d.status_since) })}` }) : null),
    el('td', { class: 'c' }, check('active', d.active, t('label-active', { name: d.name }))),
    el('td', { class: 'actions' },
      el('button', { type: 'button', class: 'small', text: t('save'), onclick: (ev) => saveDevice(d, ev.target.closest('tr')) }),
      el('button', { type: 'button', class: 'small quiet', text: t('new-token'), onclick: () => rotate(d) })))));
}

function showToken(device) {
  const box = $('device-token');
  box.replaceChildren(
    el('p', {}, el('strong', { text: t('token-for', { name: device.name, kind: t(`kind-${device.kind}`) }) }), ` ${t('token-copy')}`),
    el('code', { text: device.token }),
    el('button', { type: 'button', class: 'small quiet', text: t('hide'), onclick: () => { box.hidden = true; box.replaceChildren(); } }));
  box.hidden = false;
}

async function saveDevice(d, row) {
  const body = { name: row.querySelector('[name="name"]').value.trim(), active: row.querySelector('[name="active"]').checked };
  const saved = await attempt(t('saving-named', { name: d.name }), () => call('PATCH', `/api/v1/devices/${d.id}`, body));
  if (saved) notice(t('saved-named', { name: saved.name }));
}

async function rotate(d) {
  if (!window.confirm(t('confirm-rotate', { name: d.name }))) return;
  const saved = await attempt(t('new-token-for', { name: d.name }), () => call('POST', `/api/v1/devices/${d.id}/token`));
  if (saved) showToken(saved);
}

async function newDevice(ev) {
  ev.preventDefault();
  const f = ev.target;
  const body = { name: val(f, 'name').trim(), kind: val(f, 'kind') };
  const saved = await attempt(t('adding-device'), () => call('POST', `/api/v1/branches/${ctx.branchId}/devices`, body));
  if (saved) {
    f.reset();
    showToken(saved);
    load();
  }
}

export function bind() {
  $('branch-form').addEventListener('submit', saveBranch);
  $('service-new').addEventListener('submit', newService);
  $('desk-new').addEventListener('submit', newDesk);
  $('user-new').addEventListener('submit', newUser);
  $('device-new').addEventListener('submit', newDevice);
}
