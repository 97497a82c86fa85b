// The rating form's fields, shared by the visitor's ticket page and the
// feedback tablet: 1 to 5 stars (radio buttons, each with a spoken label)
// and an optional comment. Pages put `<div data-rating-fields></div>` in
// their form; fillRatingFields() replaces it with the fields, whose texts
// carry data-i18n ids of the ticket page's translations.

import { el } from './dom.js';

const LABELS = ['1 – very poor', '2 – poor', '3 – fair', '4 – good', '5 – very good'];

function fields() {
  const stars = el('div', { class: 'stars' });
  LABELS.forEach((label, i) => {
    const n = i + 1;
    stars.append(
      el('input', { type: 'radio', name: 'rating', value: String(n), id: `rating-${n}` }),
      el('label', { for: `rating-${n}` },
        el('span', { 'aria-hidden': 'true', text: '★' }),
        el('span', { class: 'visually-hidden', 'data-i18n': `rating-${n}`, text: label })),
    );
  });
  return [
    el('fieldset', {}, el('legend', { 'data-i18n': 'feedback-title', text: 'How was your visit?' }), stars),
    el('label', { for: 'comment', class: 'comment-label', 'data-i18n': 'feedback-comment', text: 'Comment (optional)' }),
    el('textarea', { id: 'comment', name: 'comment', rows: 3, maxLength: 500 }),
  ];
}

/** Puts the fields in place of the page's `[data-rating-fields]`. */
export function fillRatingFields() {
  const slot = document.querySelector('[data-rating-fields]');
  if (slot) slot.replaceWith(...fields());
}

/**
 * The form's rating as the API takes it, `{rating, comment?}`, or null when
 * no star is chosen.
 */
export function readRating(form) {
  const chosen = form.querySelector('input[name="rating"]:checked');
  if (!chosen) return null;
  const body = { rating: Number(chosen.value) };
  const comment = form.querySelector('[name="comment"]').value.trim();
  if (comment) body.comment = comment;
  return body;
}

/** What a visitor is told who sends no rating (the translation id and English). */
export const CHOOSE_RATING = ['feedback-choose', 'Please choose from 1 to 5 stars.'];
