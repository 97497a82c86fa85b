// The desk allocation: a desk × service matrix of weights (1–10, empty =
// the desk does not serve the service). Each desk row is saved with one
// PUT /api/v1/desks/{id}/services, which the server applies from the
// desk's next call and records as a `desk.allocation_changed` event.
//
// Unsaved edits are kept: a change made elsewhere (another manager) to a
// row being edited does not overwrite it; other rows follow the live
// events.

import { $, ctx, call, items, el, notice, attempt, t } from './util.js';

const a = {
  loaded: false,
  desks: [],
  services: [],
  weights: new Map(), // desk id -> Map(service id -> weight)
  dirty: new Set(), // desk ids with unsaved edits
  loading: null,
};

export function reset() {
  a.loaded = false;
  a.desks = [];
  a.services = [];
  a.weights.clear();
  a.dirty.clear();
  $('allocation-head').replaceChildren();
  $('allocation-body').replaceChildren();
}

export function bind() {
  $('allocation-save-all').addEventListener('click', saveAll);
  $('allocation').addEventListener('input', (ev) => {
    const input = ev.target.closest('input[data-desk-id]');
    if (!input) return;
    markDirty(Number(input.dataset.deskId));
    input.classList.toggle('changed', input.value !== input.defaultValue);
  });
  $('allocation').addEventListener('click', (ev) => {
    const button = ev.target.closest('button[data-save-desk]');
    if (button) saveDesk(Number(button.dataset.saveDesk));
  });
}

/** Redraws in the console's new language (unsaved rows keep their edits). */
export function retranslate() {
  if (a.loaded) render();
  else renderHint();
}

export function show() {
  if (!a.loaded) load();
}

export function onLive(state, msg) {
  if (!a.loaded) return;
  if (msg.type === 'desk.allocation_changed' && msg.desk_id != null && !a.dirty.has(msg.desk_id)) {
    reloadDesk(msg.desk_id);
  } else if (/^(desk|service)\.(created|updated)$/.test(msg.type)) {
    load();
  }
}

function markDirty(deskId) {
  a.dirty.add(deskId);
  const row = document.querySelector(`#allocation-body tr[data-desk-id="${deskId}"]`);
  if (row) row.classList.add('dirty');
}

async function load() {
  if (a.loading) return a.loading;
  a.loading = (async () => {
    const branchId = ctx.branchId;
    const [desks, services] = await Promise.all([
      call('GET', `/api/v1/branches/${branchId}/desks`),
      call('GET', `/api/v1/branches/${branchId}/services`),
    ]);
    a.desks = items(desks).filter((d) => d.active);
    a.services = items(services).filter((s) => s.active);
    const lists = await Promise.all(a.desks.map((d) => call('GET', `/api/v1/desks/${d.id}/services`)));
    a.desks.forEach((d, i) => {
      if (!a.dirty.has(d.id)) a.weights.set(d.id, new Map(items(lists[i]).map((x) => [x.service_id, x.weight])));
    });
    a.loaded = true;
    render();
  })();
  try {
    await attempt(t('loading-allocation'), () => a.loading);
  } finally {
    a.loading = null;
  }
}

async function reloadDesk(deskId) {
  const list = await attempt(t('loading-allocation'), () => call('GET', `/api/v1/desks/${deskId}/services`));
  if (!list || a.dirty.has(deskId)) return;
  a.weights.set(deskId, new Map(items(list).map((x) => [x.service_id, x.weight])));
  render();
}

/** The hint above the matrix, with the branch's weight step. */
function renderHint() {
  const step = ctx.branch && ctx.branch.policy ? ctx.branch.policy.weight_step_s : 300;
  $('allocation-hint').textContent = t('allocation-hint', { step: Math.round(step / 60) });
}

function render() {
  renderHint();
  $('allocation-head').replaceChildren(
    el('th', { scope: 'col', text: t('col-desk') }),
    ...a.services.map((s) => el('th', { scope: 'col', class: 'svc', title: s.name },
      el('span', { class: 'code', text: s.code }), el('span', { class: 'svc-name', text: s.name }))),
    el('th', { scope: 'col' }, el('span', { class: 'visually-hidden', text: t('save') })),
  );
  const focused = document.activeElement && document.activeElement.closest('#allocation input');
  const focusKey = focused && `${focused.dataset.deskId}:${focused.dataset.serviceId}`;
  const rows = a.desks.map((d) => {
    const weights = a.weights.get(d.id) || new Map();
    const existing = a.dirty.has(d.id) ? document.querySelector(`#allocation-body tr[data-desk-id="${d.id}"]`) : null;
    if (existing) return existing; // keep unsaved edits as typed
    return el('tr', { 'data-desk-id': String(d.id) },
      el('th', { scope: 'row', text: d.name }),
      ...a.services.map((s) => {
        const w = weights.get(s.id);
        const input = el('input', {
          type: 'number',
          min: '1',
          max: '10',
          step: '1',
          inputMode: 'numeric',
          'data-desk-id': String(d.id),
          'data-service-id': String(s.id),
          'aria-label': t('weight-label', { service: `${s.code} ${s.name}`, desk: d.name }),
          value: w == null ? '' : String(w),
        });
        input.defaultValue = input.value;
        return el('td', { class: w == null ? 'off' : 'on' }, input);
      }),
      el('td', {}, el('button', { type: 'button', class: 'small', 'data-save-desk': String(d.id), text: t('save'), 'aria-label': t('save-named', { name: d.name }) })));
  });
  $('allocation-body').replaceChildren(...rows);
  if (focusKey) {
    const [deskId, serviceId] = focusKey.split(':');
    const again = document.querySelector(`#allocation input[data-desk-id="${deskId}"][data-service-id="${serviceId}"]`);
    if (again) again.focus();
  }
}

/** The desk's row as an allocation, or an error message. */
function readRow(deskId) {
  const out = [];
  for (const input of document.querySelectorAll(`#allocation input[data-desk-id="${deskId}"]`)) {
    const text = input.value.trim();
    if (text === '') continue;
    const weight = Number(text);
    if (!Number.isInteger(weight) || weight < 1 || weight > 10) {
      input.focus();
      return { error: t('weight-invalid', { field: input.getAttribute('aria-label') }) };
    }
    out.push({ service_id: Number(input.dataset.serviceId), weight });
  }
  return { allocation: out };
}

async function saveDesk(deskId) {
  const desk = a.desks.find((d) => d.id === deskId);
  const { allocation, error } = readRow(deskId);
  if (error) {
    await attempt(t('not-saved'), () => Promise.reject(new Error(error)));
    return false;
  }
  const saved = await attempt(t('saving-named', { name: desk ? desk.name : t('the-desk') }), () => call('PUT', `/api/v1/desks/${deskId}/services`, allocation));
  if (!saved) return false;
  a.dirty.delete(deskId);
  a.weights.set(deskId, new Map(items(saved).map((x) => [x.service_id, x.weight])));
  render();
  const codes = items(saved).map((x) => {
    const s = a.services.find((v) => v.id === x.service_id);
    return `${s ? s.code : x.service_id} (${x.weight})`;
  });
  notice(codes.length
    ? t('allocation-saved', { desk: desk ? desk.name : t('col-desk'), services: codes.join(', ') })
    : t('allocation-saved-nothing', { desk: desk ? desk.name : t('col-desk') }));
  return true;
}

async function saveAll() {
  const ids = [...a.dirty];
  if (!ids.length) {
    notice(t('nothing-to-save'));
    return;
  }
  for (const id of ids) {
    if (!(await saveDesk(id))) return;
  }
  if (ids.length > 1) notice(t('saved-desks', { count: ids.length }));
}
