// Helpers shared by the manager console's modules: the session, the
// console context (branch, live state, clock) and REST calls that send a
// 401 back to sign-in. DOM helpers come from /common/dom.js.

import { $, el, notice, alertMessage } from '/common/dom.js';
import { StaffSession } from '/common/session.js';

export { $, el, notice, alertMessage };

/** The signed-in manager or admin; manager.js sets its callbacks. */
export const session = new StaffSession({ tokenKey: 'waitwell.manager.token' });

/**
 * The console's shared context. manager.js fills it in at sign-in; the
 * section modules read it and never keep their own copy of the session.
 */
export const ctx = {
  branchId: null,
  branch: null,
  /** The live state from LiveConnection (services, desks, tickets, calls). */
  state: null,
  clockOffset: 0, // server time minus local time, ms
};

export const serverNow = () => Date.now() + ctx.clockOffset;

/** REST call with the session token; a 401 ends the session. */
export const call = (method, path, body) => session.call(method, path, body);

/** A list response as an array (lists may come as `{items: […]}`). */
export const items = (v) => (Array.isArray(v) ? v : (v && v.items) || []);

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

/**
 * Milliseconds since the epoch as "HH:MM" (today) or "D Mon HH:MM", on the
 * branch's clock and always 24-hour, as the charts and the CSV show times:
 * a manager in another timezone, or a browser set to 12-hour English, reads
 * the same times as the office.
 */
export function clock(ms) {
  if (ms == null) return '';
  const timeZone = (ctx.branch && ctx.branch.timezone) || undefined;
  const make = (options) => {
    try {
      return new Intl.DateTimeFormat('en-GB', { timeZone, ...options });
    } catch {
      return new Intl.DateTimeFormat('en-GB', options); // unknown zone
    }
  };
  const time = make({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
  const day = make({ year: 'numeric', month: '2-digit', day: '2-digit' });
  return day.format(ms) === day.format(serverNow())
    ? time
    : `${make({ day: 'numeric', month: 'short' }).format(ms)} ${time}`;
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
