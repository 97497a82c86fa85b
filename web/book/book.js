// The public booking page, no sign-in.
//
// /book/?branch=ID: the visitor picks a bookable service and a day, sees the
// free times (GET /api/v1/public/branches/{id}/slots, full ones shown
// crossed out), picks one, optionally leaves a phone number or e-mail
// address, and books (POST /api/v1/public/branches/{id}/appointments). The
// answer carries the confirmation code, which the page then shows with its
// QR code. Someone else may take the last place in between: the server
// answers 409 and the page reloads the times.
//
// /book/?code=CODE (the QR code's address): the booking, its status and a
// button to cancel it while it is not checked in.
//
// Times are shown as the office's local times, as the server lists them:
// a visitor booking from abroad books the office's 09:00.

import { api } from '/common/api.js';
import { $ } from '/common/dom.js';

const params = new URLSearchParams(location.search);

const state = { info: null, service: null, slot: null, booking: null };

function showOnly(id) {
  for (const s of ['loading', 'booking', 'confirmation']) $(s).hidden = s !== id;
}

function problem(text) {
  $('problem').textContent = text || '';
  $('problem').hidden = !text;
}

function serviceName(s) {
  const lang = (navigator.language || 'en').split('-')[0];
  return (s.names && s.names[lang]) || s.name;
}

function formatCode(code) {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

// ---------- booking ----------

async function startBooking(branchId) {
  const info = await api(null, 'GET', `/api/v1/public/branches/${encodeURIComponent(branchId)}/booking`);
  state.info = info;
  $('office').textContent = info.branch_name;
  const box = $('services');
  box.replaceChildren();
  for (const s of info.services) {
    const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'service', value: String(s.id), required: true });
    input.dataset.code = s.code;
    const label = document.createElement('label');
    label.append(input, document.createTextNode(serviceName(s)));
    box.append(label);
  }
  $('no-services').hidden = info.services.length > 0;
  $('find').disabled = info.services.length === 0;
  $('day').min = info.today;
  $('day').max = info.last_day;
  $('day').value = info.today;
  showOnly('booking');
}

async function findTimes() {
  problem('');
  const checked = document.querySelector('input[name="service"]:checked');
  if (!checked) return;
  state.service = state.info.services.find((s) => String(s.id) === checked.value);
  state.slot = null;
  $('book-form').hidden = true;
  const day = $('day').value;
  let slots;
  try {
    slots = await api(null, 'GET', `/api/v1/public/branches/${state.info.branch_id}/slots?service_id=${state.service.id}&day=${encodeURIComponent(day)}`);
  } catch (e) {
    problem(e.message);
    $('times').hidden = true;
    return;
  }
  const box = $('slots');
  box.replaceChildren();
  for (const slot of slots) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: slot.time });
    b.dataset.start = String(slot.start);
    b.setAttribute('aria-pressed', 'false');
    if (slot.available <= 0) {
      b.disabled = true;
      b.setAttribute('aria-label', `${slot.time}, fully booked`);
    }
    b.addEventListener('click', () => chooseSlot(slot, b, day));
    box.append(b);
  }
  $('no-slots').hidden = slots.some((s) => s.available > 0);
  $('times').hidden = false;
}

function chooseSlot(slot, button, day) {
  state.slot = slot;
  for (const b of $('slots').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === button));
  $('chosen').textContent = `${serviceName(state.service)}, ${day} ${slot.time}`;
  $('book-form').hidden = false;
  $('phone').focus();
}

async function bookSlot() {
  problem('');
  const body = { service_id: state.service.id, start: state.slot.start };
  const lang = (navigator.language || '').split('-')[0];
  if (state.info.languages.includes(lang)) body.language = lang;
  const phone = $('phone').value.trim();
  const email = $('email').value.trim();
  if (phone) body.contact_phone = phone;
  if (email) body.contact_email = email;
  $('book').disabled = true;
  try {
    const booking = await api(null, 'POST', `/api/v1/public/branches/${state.info.branch_id}/appointments`, body);
    history.replaceState(null, '', `/book/?code=${booking.code}`);
    renderBooking(booking);
  } catch (e) {
    problem(e.message);
    if (e.status === 409) await findTimes();
  } finally {
    $('book').disabled = false;
  }
}

// ---------- one booking ----------

const STATUS_TEXT = {
  booked: 'Booked',
  cancelled: 'Cancelled',
  checked_in: 'Checked in',
  missed: 'Missed (nobody checked in)',
};

function renderBooking(b) {
  state.booking = b;
  $('office').textContent = b.branch_name;
  $('status').textContent = STATUS_TEXT[b.status] || b.status;
  $('status').dataset.status = b.status;
  $('c-service').textContent = b.service_name;
  $('c-date').textContent = b.date;
  $('c-time').textContent = b.time;
  $('c-code').textContent = formatCode(b.code);
  $('c-code').dataset.code = b.code;
  const ticket = b.ticket_number;
  $('c-ticket-label').hidden = !ticket;
  $('c-ticket').hidden = !ticket;
  $('c-ticket').replaceChildren();
  if (ticket) {
    const a = Object.assign(document.createElement('a'), { href: b.ticket_url, textContent: ticket });
    $('c-ticket').append(a);
  }
  $('qr').src = `/api/v1/public/appointments/${encodeURIComponent(b.code)}/qr.svg`;
  $('page-link').href = b.page_url;
  $('cancel').hidden = b.status !== 'booked';
  showOnly('confirmation');
  $('confirmation-title').focus();
}

async function cancelBooking() {
  if (!state.booking) return;
  if (!window.confirm('Cancel this appointment?')) return;
  problem('');
  try {
    renderBooking(await api(null, 'POST', `/api/v1/public/appointments/${encodeURIComponent(state.booking.code)}/cancel`));
  } catch (e) {
    problem(e.message);
  }
}

// ---------- start ----------

async function start() {
  $('find-form').addEventListener('submit', (e) => { e.preventDefault(); findTimes(); });
  $('book-form').addEventListener('submit', (e) => { e.preventDefault(); bookSlot(); });
  $('cancel').addEventListener('click', cancelBooking);
  try {
    const code = params.get('code');
    const branch = params.get('branch');
    if (code) {
      renderBooking(await api(null, 'GET', `/api/v1/public/appointments/${encodeURIComponent(code)}`));
    } else if (branch) {
      await startBooking(branch);
    } else {
      showOnly(null);
      problem('Open this page from your office\'s booking link (/book/?branch=…).');
    }
  } catch (e) {
    showOnly(null);
    problem(e.status === 404 ? 'This booking or office does not exist.' : e.message);
  }
}

start();
