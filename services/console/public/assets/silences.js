// #/silences — silences mute notifications of matching alerts (the alerts still fire and show here); with the token,
// add one or expire one early.

import { get } from './api.js';
import { h } from './dom.js';
import { liveView } from './view.js';
import { actionButton, emptyState, stateBadge, table, timeAgo } from './widgets.js';

const SKEW_MS = 5_000;

function state(silence, now) {
  if (silence.expired || silence.ends_at_ms <= now) return 'expired';
  // The page's clock is the console's, estimated (less a request's latency): a silence the console started a moment
  // ago must not read as pending.
  return silence.starts_at_ms > now + SKEW_MS ? 'pending' : 'active';
}

function addForm(ctx) {
  const field = (id, label, input, hint) => h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('small', { id: `${id}-hint` }, hint) : null);
  const rule = h('input', { id: 'silence-rule', name: 'rule', placeholder: 'low-asr-* (empty: every rule)', autocomplete: 'off', 'aria-describedby': 'silence-rule-hint' });
  const entity = h('input', { id: 'silence-entity', name: 'entity', placeholder: 'customer:acme (empty: every entity)', autocomplete: 'off', 'aria-describedby': 'silence-entity-hint' });
  const duration = h('input', { id: 'silence-duration', name: 'duration', value: '1h', required: true, pattern: '\\s*(\\d+[smhd])+\\s*', 'aria-describedby': 'silence-duration-hint' });
  const comment = h('input', { id: 'silence-comment', name: 'comment', required: true, placeholder: 'why: planned maintenance, ticket…' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add silence');
  const form = h('form', { class: 'panel write silence-form', 'aria-label': 'Add a silence' },
    h('h2', {}, 'Add a silence'),
    h('div', { class: 'fields' },
      field('silence-rule', 'Rule', rule, 'a rule id or a glob'),
      field('silence-entity', 'Entity', entity, 'customer:<id> or carrier:<id>'),
      field('silence-duration', 'Duration', duration, 'e.g. 30m, 2h, 1d'),
      field('silence-comment', 'Comment', comment, null)),
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (rule.value.trim() === '' && entity.value.trim() === '') {
      ctx.notify('Name a rule or an entity: a silence of everything would mute every notification.', 'error');
      return;
    }
    const body = { duration: duration.value.trim(), comment: comment.value.trim() };
    if (rule.value.trim() !== '') body.rule = rule.value.trim();
    if (entity.value.trim() !== '') body.entity = entity.value.trim();
    void ctx.act(submit, async () => {
      const silence = await ctx.write('POST', 'api/silences', body);
      rule.value = '';
      entity.value = '';
      comment.value = '';
      return `Silence ${silence?.silence_id ?? ''} added`;
    });
  });
  return form;
}

export function mountSilences(root, _params, ctx) {
  const body = h('div');
  root.append(h('h1', {}, 'Silences'),
    h('p', { class: 'lead' }, 'A silence mutes the notifications of matching alerts; the alerts still fire, and each muted notification is recorded as skipped.'),
    addForm(ctx), body);
  return liveView(body, {
    load: () => get('api/silences'),
    render: (silences) => h('section', { class: 'panel' }, h('h2', {}, 'Silences'), table({
      caption: 'Silences, active and recently expired', className: 'silences',
      columns: [{ label: 'State' }, { label: 'Rule' }, { label: 'Entity' }, { label: 'Comment' }, { label: 'By' }, { label: 'Starts' }, { label: 'Ends' }, { label: '', class: 'write' }],
      rows: silences.map((si) => {
        const st = state(si, ctx.now());
        return h('tr', { dataset: { silence: si.silence_id, state: st } },
          h('td', {}, stateBadge(st)), h('td', {}, si.rule || 'every rule'), h('td', {}, si.entity || 'every entity'),
          h('td', { class: 'reason' }, si.comment ?? ''), h('td', {}, si.created_by ?? ''),
          h('td', {}, timeAgo(si.starts_at_ms, ctx.now)), h('td', {}, timeAgo(si.ends_at_ms, ctx.now)),
          h('td', { class: 'write' }, st === 'expired' ? null : actionButton('Expire', ctx, async () => {
            await ctx.write('POST', `api/silences/${encodeURIComponent(si.silence_id)}/expire`);
            return `Silence ${si.silence_id} expired`;
          }, { title: `Expire silence ${si.silence_id}` })));
      }),
      empty: emptyState('No silences', 'Add one before planned maintenance, so its alerts do not page anyone.'),
    })),
    wants: (type) => type === 'silence',
  });
}
