// #/penalties — entities blocked now, until when and by which rule; with the token, lift one early.

import { get } from './api.js';
import { h } from './dom.js';
import { liveView } from './view.js';
import { actionButton, emptyState, entityLink, table, timeAgo } from './widgets.js';

export function mountPenalties(root, _params, ctx) {
  const body = h('div');
  root.append(h('h1', {}, 'Penalties'), h('p', { class: 'lead' }, 'Entities a rule with penalty: has disabled. Switches read them from the action topic or from api/blocked.'), body);
  return liveView(body, {
    load: () => get('api/penalties'),
    render: (penalties) => h('section', { class: 'panel' }, table({
      caption: 'Active penalties', className: 'penalties',
      columns: [{ label: 'Entity' }, { label: 'Rule' }, { label: 'Reason' }, { label: 'Since' }, { label: 'Until' }, { label: '', class: 'write' }],
      rows: penalties.map((p) => h('tr', { dataset: { entity: p.entity } },
        h('td', {}, entityLink(p.entity)), h('td', {}, p.rule_id), h('td', { class: 'reason' }, p.reason ?? ''),
        h('td', {}, timeAgo(p.since_ms, ctx.now)), h('td', {}, timeAgo(p.until_ms, ctx.now)),
        h('td', { class: 'write' }, actionButton('Lift', ctx, async () => {
          await ctx.write('POST', `api/penalties/${encodeURIComponent(p.entity)}/lift`, { reason: 'lifted from the console' });
          return `Penalty on ${p.entity} lifted`;
        }, { title: `Lift the penalty on ${p.entity}`, danger: true })))),
      empty: emptyState('No entity is blocked', 'A rule with penalty: blocks its entity when it fires; the block ends by itself when the penalty runs out.'),
    })),
    wants: (type) => type === 'penalty',
  });
}
