// Small DOM and storage helpers every page uses.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Shows or hides the element with this id. */
export function show(id, visible) {
  $(id).hidden = !visible;
}

/** Attributes el() sets as attributes rather than as element properties. */
const AS_ATTRIBUTE = ['role', 'title', 'type', 'for', 'scope', 'colspan'];

/**
 * Builds an element: `attrs` gives `class`, `text` (its text), data-/aria-
 * and a few other attributes, and element properties (value, disabled, …);
 * null, undefined and false are left out, of attributes and children alike.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || AS_ATTRIBUTE.includes(k)) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) if (c != null && c !== false) node.append(c);
  return node;
}

/** localStorage.getItem, or null where there is no storage (private mode). */
export function storageGet(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/**
 * Stores a value (null removes it). Returns false where there is no
 * storage: the value then lasts for this page only.
 */
export function storageSet(key, value) {
  try {
    if (value == null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

let noticeTimer = null;
/** A quiet confirmation in the page's #notice area that fades after a while. */
export function notice(text) {
  clearTimeout(noticeTimer);
  $('notice').textContent = text;
  if (text) noticeTimer = setTimeout(() => ($('notice').textContent = ''), 8000);
}

/** An error in the page's #alert area, read out at once; empty text hides it. */
export function alertMessage(text) {
  const a = $('alert');
  a.textContent = text || '';
  a.hidden = !text;
}
