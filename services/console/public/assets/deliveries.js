// #/deliveries — every notification the notifier sent, retried, failed or skipped (silenced, outside a class's hours…).

import { get } from './api.js';
import { h } from './dom.js';
import { liveView } from './view.js';
import { emptyState, entityLink, stateBadge, table, timeAgo } from './widgets.js';

/** deliveriesTable lists delivery records, newest first, with their outcome and the reason of a failure or a skip. */
export function deliveriesTable(deliveries, ctx, { showEntity = true } = {}) {
  const rows = deliveries.map((d) => h('tr', { dataset: { status: d.status, rule: d.rule_id, entity: d.entity } },
    h('td', {}, timeAgo(d.at_ms, ctx.now)),
    h('td', {}, stateBadge(d.status)),
    h('td', {}, d.rule_id),
    showEntity ? h('td', {}, entityLink(d.entity)) : null,
    h('td', {}, d.channel),
    h('td', {}, d.recipient),
    h('td', { class: 'num' }, String(d.attempt ?? '')),
    h('td', { class: 'reason' }, d.error ?? '')));
  return table({
    caption: 'Deliveries, newest first', className: 'deliveries',
    columns: [{ label: 'When' }, { label: 'Outcome' }, { label: 'Rule' }, showEntity ? { label: 'Entity' } : null, { label: 'Channel' }, { label: 'Recipient' }, { label: 'Attempt', class: 'num' }, { label: 'Reason' }].filter(Boolean),
    rows,
    empty: emptyState('No deliveries yet', 'A delivery is recorded for every notification of a rule with notify: targets, sent or skipped.'),
  });
}

export function mountDeliveries(root, _params, ctx) {
  const body = h('div');
  root.append(h('h1', {}, 'Deliveries'), h('p', { class: 'lead' }, 'Notifications, newest first. Skipped ones say why: a silence, a class’s quiet hours, a superseded repeat.'), body);
  return liveView(body, {
    load: () => get('api/deliveries?limit=200'),
    render: (deliveries) => h('section', { class: 'panel' }, deliveriesTable(deliveries, ctx)),
    wants: (type) => type === 'delivery',
  });
}
