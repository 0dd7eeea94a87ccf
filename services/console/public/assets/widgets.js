// Pieces every page uses: level badges, relative times that stay current, tables with empty states, and buttons
// that send a change and show the server's answer.

import { h } from './dom.js';
import { ago, fullTime } from './format.js';

/** levelBadge shows an alert level in its colour; the word is there too, so colour is never the only signal. */
export const levelBadge = (level) => h('span', { class: `badge level-${level ?? 'none'}` }, level ?? 'ok');

/** stateBadge shows a rule's or a delivery's state (ok, firing, no_data, sent, failed, skipped…). */
export const stateBadge = (state) => h('span', { class: `badge state-${String(state).replace(/[^a-z_]/gi, '')}` }, String(state).replace('_', ' '));

/** timeAgo is a <time> that reads "3 min ago" and keeps reading right (see tickTimes); the exact time is its tooltip. */
export function timeAgo(atMs, now) {
  if (!atMs) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: new Date(atMs).toISOString(), title: fullTime(atMs), dataset: { at: String(atMs) } }, ago(atMs, now()));
}

/** tickTimes refreshes every relative time on the page, so "just now" does not stay "just now". */
export function tickTimes(root, now) {
  for (const el of root.querySelectorAll('time[data-at]')) el.textContent = ago(Number(el.dataset.at), now());
}

/** entityLink links an entity to its page, showing its account name when billing has sent one. */
export function entityLink(entity, name) {
  return h('a', { href: `#/entity/${encodeURIComponent(entity)}`, class: 'entity' },
    name ? [h('span', { class: 'entity-name' }, name), ' ', h('span', { class: 'entity-id' }, entity)] : entity);
}

/** emptyState says there is nothing to show and what to do about it. */
export const emptyState = (title, hint) => h('div', { class: 'empty', role: 'note' }, h('p', { class: 'empty-title' }, title), hint ? h('p', {}, hint) : null);

/**
 * table builds a table with a caption for screen readers, or the empty state when there are no rows.
 * columns: [{ label, class? }], rows: <tr> nodes.
 */
export function table({ caption, columns, rows, empty, className }) {
  if (rows.length === 0) return empty;
  return h('table', { class: `data ${className ?? ''}` },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
    h('tbody', {}, rows));
}

/**
 * actionButton is a write control: hidden on a read-only console (the .write class), disabled while its request
 * runs, and the server's refusal shown to the user.
 */
export function actionButton(label, ctx, action, { title, danger } = {}) {
  const button = h('button', { type: 'button', class: `write ${danger ? 'danger' : ''}`, title }, label);
  button.addEventListener('click', () => ctx.act(button, action));
  return button;
}

/** section is one titled part of a page. */
export const section = (title, ...children) => h('section', { class: 'panel', 'aria-label': title }, h('h2', {}, title), children);
