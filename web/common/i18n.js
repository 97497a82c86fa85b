// The one translation mechanism of every page. Texts live in the Fluent
// tree i18n/<lang>/<bundle>.ftl at the repository's root (one bundle per
// page; the kiosk agent prints from the same tree) and the server formats
// them: GET /api/v1/i18n/{bundle}/{lang}?ahead=N&wait_min=M answers every
// message as {id: text}, with plural forms chosen for the numbers given,
// so no Fluent parser runs here. A variable the server was not given
// stays in the text as "{$name}" and is filled in by t(id, {name: value}).
// A number only the page knows is `$count`: for a message that selects on
// it the server also sends each variant as "id[one]", "id[few]", "id[0]"…,
// and t(id, {count: n}) takes the variant for n (an exact number first,
// then the language's plural category), as Fluent would.
//
// In the HTML, an element with data-i18n="id" gets the message as its
// text, data-i18n-label="id" as its aria-label, data-i18n-alt as its alt
// text and data-i18n-placeholder as its placeholder. Right-to-left languages set dir="rtl" on <html>;
// the pages' CSS uses logical properties so that the layout follows.
//
// Written for old TV browsers too (the display): nothing newer than
// ES2017 beyond module scripts.

import { $, el, show, storageGet } from '/common/dom.js';

/** Languages written right to left. */
const RTL = ['ar', 'fa', 'he', 'ur'];

function base(lang) {
  return String(lang || '').split('-')[0].toLowerCase();
}

/** "rtl" or "ltr" for a language tag. */
export function direction(lang) {
  return RTL.indexOf(base(lang)) >= 0 ? 'rtl' : 'ltr';
}

/**
 * An office text in `lang`: its own value in `names` ({"pl": "Stanowisko
 * 3"}), else the value of its primary subtag ("pt" for "pt-BR"), else
 * `defaultText`. For the texts managers give per language: service names
 * and categories, desk names, the kiosk message. The same rule as the
 * server's (waitwell_proto::localized) and the kiosk agent's.
 */
export function localized(defaultText, names, lang) {
  const map = names && typeof names === 'object' ? names : {};
  const own = String(lang || '');
  if (own && typeof map[own] === 'string' && map[own] !== '') return map[own];
  const primary = base(own);
  if (primary && typeof map[primary] === 'string' && map[primary] !== '') return map[primary];
  return defaultText == null ? '' : defaultText;
}

/** Replaces each "{$name}" of `text` by vars[name] (left as it is when
 *  there is no such value). */
export function fill(text, vars) {
  if (text == null) return text;
  return String(text).replace(/\{\$([A-Za-z][\w-]*)\}/g, function (whole, name) {
    return vars && vars[name] != null ? String(vars[name]) : whole;
  });
}

/**
 * Every message of `bundle` in `lang`, formatted with the numeric `args`
 * ({ahead, wait_min}); null when the language has no such file. A
 * network failure rejects.
 */
export async function loadTexts(bundle, lang, args) {
  let query = '';
  if (args) {
    const params = new URLSearchParams();
    Object.keys(args).forEach(function (k) { params.set(k, String(args[k])); });
    query = '?' + params.toString();
  }
  const res = await fetch('/api/v1/i18n/' + encodeURIComponent(bundle) + '/' + encodeURIComponent(lang) + query);
  if (!res.ok) return null;
  return res.json();
}

/** The plural category of `n` in `lang` ("one", "few", "other"…). */
function pluralCategory(n, lang) {
  try {
    return new Intl.PluralRules(lang).select(n);
  } catch (e) {
    return n === 1 ? 'one' : 'other'; // no Intl.PluralRules (old TV browsers)
  }
}

/** Message `id` of `map` in the variant for vars.count, if it has one. */
function variant(map, id, vars, lang) {
  if (!map || map[id] == null) return null;
  const n = vars ? vars.count : null;
  if (typeof n === 'number') {
    const exact = map[id + '[' + n + ']'];
    if (exact != null) return exact;
    const byCategory = map[id + '[' + pluralCategory(n, lang) + ']'];
    if (byCategory != null) return byCategory;
  }
  return map[id];
}

/**
 * The texts of one page: the languages loaded so far, the current one,
 * English as the fallback for a message a translation lacks.
 */
export class Translator {
  constructor(bundle) {
    this.bundle = bundle;
    this.maps = new Map(); // lang -> {id: text}, or null: no translation
    this.lang = 'en';
  }

  /** Loads `lang` (once; again with `args`, for plurals) and returns its
   *  map, or null when the language has no translation. */
  async load(lang, args) {
    if (!args && this.maps.has(lang)) return this.maps.get(lang);
    const map = await loadTexts(this.bundle, lang, args);
    if (!args || !this.maps.has(lang)) this.maps.set(lang, map);
    return map;
  }

  /** Whether `lang` was loaded and has a translation. */
  has(lang) {
    return !!this.maps.get(lang);
  }

  /** The languages of `wanted` that have a translation, in that order. */
  usable(wanted) {
    const self = this;
    return (wanted || []).filter(function (l) { return self.has(l); });
  }

  /** The message `id` in `lang` (default: the current language), else in
   *  English, with `vars` filled in (its plural variant for a numeric
   *  `vars.count`); null when neither has it. */
  t(id, vars, lang) {
    const own = lang || this.lang;
    let text = variant(this.maps.get(own), id, vars, own);
    if (text == null) text = variant(this.maps.get('en'), id, vars, 'en');
    return text == null ? null : fill(text, vars);
  }

  /** Sets the page's language and direction and every marked element's
   *  text, label and placeholder (those without a message keep theirs). */
  apply(root) {
    const scope = root || document;
    const html = document.documentElement;
    html.lang = this.lang;
    html.dir = direction(this.lang);
    const self = this;
    const each = function (selector, set) {
      const nodes = scope.querySelectorAll(selector);
      for (let i = 0; i < nodes.length; i++) set(nodes[i]);
    };
    each('[data-i18n]', function (node) {
      const text = self.t(node.getAttribute('data-i18n'));
      if (text != null && node.textContent !== text) node.textContent = text;
    });
    each('[data-i18n-label]', function (node) {
      const text = self.t(node.getAttribute('data-i18n-label'));
      if (text != null) node.setAttribute('aria-label', text);
    });
    each('[data-i18n-alt]', function (node) {
      const text = self.t(node.getAttribute('data-i18n-alt'));
      if (text != null) node.setAttribute('alt', text);
    });
    each('[data-i18n-placeholder]', function (node) {
      const text = self.t(node.getAttribute('data-i18n-placeholder'));
      if (text != null) node.setAttribute('placeholder', text);
    });
  }
}

/**
 * A visitor page's language choice into `box`: a button per language of
 * `languages` the page has texts for, each named in its own language, the
 * `current` one pressed; nothing when there is only one. `pick(lang)` runs
 * when one is chosen.
 */
export function renderLanguageButtons(box, texts, languages, current, pick) {
  const langs = texts.usable(languages);
  if (langs.length < 2) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(...langs.map((lang) => {
    const b = el('button', { type: 'button', lang, text: texts.t('language-name', null, lang), 'aria-pressed': String(lang === current) });
    b.addEventListener('click', () => pick(lang));
    return b;
  }));
}

/**
 * A staff console's languages: loads each of `languages` into `texts`,
 * picks the saved choice (`storageKey`), else the browser's language, else
 * English, and fills the console's language select (#lang-select, shown in
 * #lang-pick when there is a choice). The caller applies the texts.
 */
export async function loadConsoleLanguages(texts, languages, storageKey) {
  for (const lang of languages) {
    try { await texts.load(lang); } catch { /* English stays in the HTML */ }
  }
  const usable = texts.usable(languages);
  const browser = (navigator.language || 'en').split('-')[0];
  const wanted = [storageGet(storageKey), browser].find((l) => l && usable.includes(l));
  texts.lang = wanted || 'en';
  const select = $('lang-select');
  select.replaceChildren(...usable.map((l) => el('option', { value: l, lang: l, text: texts.t('language-name', null, l) })));
  select.value = texts.lang;
  show('lang-pick', usable.length > 1);
}
