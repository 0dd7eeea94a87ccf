// #/rules — every rule, how many entities it fires for now, and (with the token) enable or disable it.

import { get } from './api.js';
import { h } from './dom.js';
import { areaName, condition, period, resetSide } from './format.js';
import { liveView } from './view.js';
import { actionButton, emptyState, levelBadge, stateBadge, table } from './widgets.js';

// scopeText reads a rule's scope object: { customer: 'acme' } → "customer acme", { all: 'customers' } → "all customers".
const scopeText = (scope) => Object.entries(scope ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || '—';

export function mountRules(root, _params, ctx) {
  const body = h('div');
  root.append(h('h1', {}, 'Rules'), h('p', { class: 'lead' }, 'Rules are kept in git and loaded with callwatch rules apply; disabling one here keeps it but stops judging it.'), body);
  return liveView(body, {
    load: () => get('api/rules'),
    render: (rules) => h('section', { class: 'panel' }, table({
      caption: 'Rules', className: 'rules',
      columns: [{ label: 'Rule' }, { label: 'Level' }, { label: 'Scope' }, { label: 'Fires when' }, { label: 'Period' }, { label: 'Firing', class: 'num' }, { label: 'Penalty' }, { label: 'State' }, { label: '', class: 'write' }],
      rows: rules.map((r) => h('tr', { dataset: { rule: r.id } },
        h('td', {}, h('span', { class: 'rule-title' }, r.title), h('div', { class: 'muted small' }, r.id)),
        h('td', {}, levelBadge(r.level)),
        h('td', {}, scopeText(r.scope)),
        h('td', {}, r.threshold === null || r.threshold === undefined ? areaName(r.area) : condition(r.area, r.operator, r.threshold),
          r.reset_threshold !== null && r.reset_threshold !== undefined ? h('div', { class: 'muted small' }, resetSide(r.area, r.operator, r.reset_threshold)) : null),
        h('td', {}, r.sample_period_ms ? period(r.sample_period_ms) : '—'),
        h('td', { class: 'num' }, String(r.firing ?? 0)),
        h('td', {}, r.action === 'disable' ? 'blocks the entity' : '—'),
        h('td', {}, stateBadge(r.enabled ? 'enabled' : 'disabled')),
        h('td', { class: 'write' }, actionButton(r.enabled ? 'Disable' : 'Enable', ctx, async () => {
          await ctx.write('POST', `api/rules/${encodeURIComponent(r.id)}/${r.enabled ? 'disable' : 'enable'}`);
          return `${r.title} ${r.enabled ? 'disabled' : 'enabled'}`;
        }, { title: `${r.enabled ? 'Disable' : 'Enable'} ${r.title}` })))),
      empty: emptyState('No rules loaded', 'Load rules with: callwatch rules apply rules/examples/'),
    })),
    wants: (type) => type === 'rule' || type === 'alert',
  });
}
