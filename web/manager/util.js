// Helpers shared by the manager console's modules: the session, the
// console context (branch, live state, clock), REST calls that send a 401
// back to sign-in, and the console's texts. DOM helpers come from
// /common/dom.js.
//
// Texts are i18n/<lang>/manager.ftl through web/common/i18n.js, as in the
// clerk console: manager.js loads the languages and sets the current one;
// the modules call t(id, vars) whenever they draw.

import { $, el, notice, alertMessage } from '/common/dom.js';
import { StaffSession } from '/common/session.js';
import { Translator } from '/common/i18n.js';

export { $, el, notice, alertMessage };

/** The console's translations (manager.js loads them). */
export const texts = new Translator('manager');

/** A text of the console in its language, with `vars` filled in (the id
 *  itself when no translation has it). A numeric `vars.count` picks the
 *  plural form. */
export function t(id, vars) {
  const text = texts.t(id, vars);
  return text == null ? id : text;
}

/** The signed-in manager or admin; manager.js sets its callbacks. */
export const session = new StaffSession({ tokenKey: 'waitwell.manager.token', texts: (id, vars) => texts.t(id, vars) });

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
 * the same times as the office. The month's name is in the console's
 * language; the time is written HH:MM in every language.
 */
export function clock(ms) {
  if (ms == null) return '';
  const timeZone = (ctx.branch && ctx.branch.timezone) || undefined;
  const make = (locale, options) => {
    try {
      return new Intl.DateTimeFormat(locale, { timeZone, ...options });
    } catch {
      return new Intl.DateTimeFormat(locale, options); // unknown zone
    }
  };
  const time = make('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
  const day = make('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit' });
  return day.format(ms) === day.format(serverNow())
    ? time
    : `${make(texts.lang, { day: 'numeric', month: 'short' }).format(ms)} ${time}`;
}

/** "3 min ago", "2 h ago", "just now" (in the console's language). */
export function ago(ms) {
  if (ms == null) return t('ago-never');
  const s = Math.max(0, (serverNow() - ms) / 1000);
  if (s < 45) return t('ago-now');
  if (s < 3600) return t('ago-min', { count: Math.round(s / 60) });
  if (s < 86400) return t('ago-h', { count: Math.round(s / 3600) });
  return t('ago-d', { count: Math.round(s / 86400) });
}

/** The branch's business day now, YYYY-MM-DD: its local date, or the day before until its rollover time. */
export function branchToday() {
  const branch = ctx.branch || {};
  let parts;
  try {
    parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
      timeZone: branch.timezone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date()).map((p) => [p.type, p.value]));
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
  // Before the rollover ("03:00") the business day is still yesterday's.
  const [rh, rm] = String(branch.rollover || '00:00').split(':').map(Number);
  const early = Number(parts.hour) * 60 + Number(parts.minute) < (rh || 0) * 60 + (rm || 0);
  const date = new Date(Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day) - (early ? 1 : 0)));
  return date.toISOString().slice(0, 10);
}

/** Printer states as the console names them. */
export function printerText(status) {
  const text = status ? texts.t(`printer-${status}`) : '';
  return text == null ? status : text;
}
