// Helpers shared by the manager console's modules: the console context
// (session, branch, REST calls that send a 401 back to sign-in), DOM
// building and the message area.

import { api } from '/common/api.js';

export const $ = (id) => document.getElementById(id);

/**
 * The console's shared context. manager.js fills it in at sign-in; the
 * section modules read it and never keep their own copy of the session.
 */
export const ctx = {
  token: null,
  user: null,
  branchId: null,
  branch: null,
  /** The live state from LiveConnection (services, desks, tickets, calls). */
  state: null,
  clockOffset: 0, // server time minus local time, ms
  /** Called on a 401; set by manager.js. */
  onSignedOut: () => {},
};

export const serverNow = () => Date.now() + ctx.clockOffset;

/** REST call with the session token; a 401 ends the session. */
export async function call(method, path, body) {
  try {
    return await api(ctx.token, method, path, body);
  } catch (err) {
    if (err.status === 401) ctx.onSignedOut('Your session has ended. Please sign in again.');
    throw err;
  }
}

/** A list response as an array (lists may come as `{items: […]}`). */
export const items = (v) => (Array.isArray(v) ? v : (v && v.items) || []);

/** Builds an element: attributes (`text`, `class`, data-/aria-, properties) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || ['role', 'title', 'type', 'for', 'scope', 'colspan'].includes(k)) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) if (c != null && c !== false) node.append(c);
  return node;
}

let noticeTimer = null;
/** A quiet confirmation that fades after a while. */
export function notice(text) {
  clearTimeout(noticeTimer);
  $('notice').textContent = text;
  if (text) noticeTimer = setTimeout(() => ($('notice').textContent = ''), 8000);
}

/** An error, read out at once; empty text hides it. */
export function alertMessage(text) {
  const a = $('alert');
  a.textContent = text || '';
  a.hidden = !text;
}

/** Runs an action, reporting its error in the alert area. Returns its value or undefined. */
export async function attempt(what, fn) {
  try {
    alertMessage('');
    return await fn();
  } catch (err) {
    alertMessage(`${what}: ${err.message}`);
    return undefined;
  }
}

/** Milliseconds since the epoch as local "HH:MM" (today) or "D Mon HH:MM". */
export function clock(ms) {
  if (ms == null) return '';
  const d = new Date(ms);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const today = new Date(serverNow());
  return d.toDateString() === today.toDateString()
    ? time
    : `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

/** "3 min ago", "2 h ago", "just now". */
export function ago(ms) {
  if (ms == null) return 'never';
  const s = Math.max(0, (serverNow() - ms) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
