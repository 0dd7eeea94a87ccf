// #/ — what is firing now, and every entity sorted by how close it is to firing, with its live values.

import { get } from './api.js';
import { h, replace } from './dom.js';
import { sparkline } from './chart.js';
import { areaName, condition, formatValue, resetSide } from './format.js';
import { errorState } from './view.js';
import { emptyState, entityLink, levelBadge, section, table, timeAgo } from './widgets.js';

// The columns of the entities table: an area, and whether it has a sparkline.
const COLUMNS = ['asr', 'acd', 'pdd', 'cps', 'channels', 'balance'];
const RENDER_MS = 500;

/** firingTable lists firing alerts: level, rule, entity, value against threshold, since when. */
export function firingTable(firing, ctx, { showEntity = true } = {}) {
  const rows = firing.map((a) => h('tr', { class: `alert-row level-${a.level}`, dataset: { level: a.level, rule: a.rule_id, entity: a.entity } },
    h('td', {}, levelBadge(a.level)),
    h('td', {}, h('span', { class: 'rule-title' }, a.rule_title), ' ', a.silenced ? h('span', { class: 'badge state-silenced', title: 'a silence mutes its notifications' }, 'silenced') : null),
    showEntity ? h('td', {}, entityLink(a.entity)) : null,
    h('td', { class: 'num' }, h('strong', {}, formatValue(a.area, a.value))),
    h('td', {}, condition(a.area, a.operator, a.threshold), a.reset_threshold !== null && a.reset_threshold !== undefined ? h('div', { class: 'muted small' }, resetSide(a.area, a.operator, a.reset_threshold)) : null),
    h('td', {}, timeAgo(a.since_ms, ctx.now))));
  return table({
    caption: 'Firing alerts', className: 'firing',
    columns: [{ label: 'Level' }, { label: 'Rule' }, showEntity ? { label: 'Entity' } : null, { label: 'Value', class: 'num' }, { label: 'Fires when' }, { label: 'Since' }].filter(Boolean),
    rows,
    empty: emptyState('Nothing is firing', 'Alerts appear here within seconds of the traffic that causes them.'),
  });
}

function closenessBar(closeness, level) {
  const pct = Math.max(0, Math.min(1, closeness ?? 0)) * 100;
  const label = closeness === null || closeness === undefined ? 'no rule applies' : `${Math.round((closeness ?? 0) * 100)} % of the way to its nearest threshold`;
  const fill = h('div', { class: 'closeness-fill' });
  // Through the CSSOM, not a style attribute, which a strict Content-Security-Policy blocks.
  fill.style.width = `${pct.toFixed(0)}%`;
  return h('div', { class: `closeness level-${level ?? 'none'}`, role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(pct), 'aria-label': label, title: label }, fill);
}

function entitiesTable(entities, ctx, filter) {
  const needle = filter.trim().toLowerCase();
  const shown = needle === '' ? entities : entities.filter((e) => e.entity.toLowerCase().includes(needle) || (e.name ?? '').toLowerCase().includes(needle));
  const rows = shown.map((e) => h('tr', { class: e.worst_level ? `level-${e.worst_level}` : '', dataset: { entity: e.entity } },
    h('td', {}, entityLink(e.entity, e.name), e.penalty ? h('span', { class: 'badge state-penalty', title: `blocked by ${e.penalty.rule_id}` }, 'blocked') : null),
    h('td', {}, e.firing > 0 ? [levelBadge(e.worst_level), ` ${e.firing}`] : h('span', { class: 'muted' }, 'ok')),
    h('td', {}, closenessBar(e.closeness, e.worst_level)),
    COLUMNS.map((area) => h('td', { class: 'num metric' },
      h('span', { class: 'metric-value' }, formatValue(area, e.metrics?.[area])), sparkline(area, e.sparklines?.[area] ?? []))),
    h('td', {}, timeAgo(e.updated_ms, ctx.now))));
  return table({
    caption: 'Entities, closest to firing first', className: 'entities',
    columns: [{ label: 'Entity' }, { label: 'Firing' }, { label: 'Closeness' }, ...COLUMNS.map((a) => ({ label: areaName(a), class: 'num' })), { label: 'Updated' }],
    rows,
    empty: needle === ''
      ? emptyState('No traffic seen yet', 'Entities appear once the aggregator publishes their first metrics: send CDRs (callwatch simulate) or check that the console uses the same TOPIC_PREFIX as the services.')
      : emptyState(`No entity matches “${filter}”`, 'Clear the filter to see every entity.'),
  });
}

function counts(data) {
  const c = data.counts ?? {};
  const item = (label, value, href) => h('a', { class: 'count', href }, h('span', { class: 'count-value' }, String(value ?? 0)), h('span', { class: 'count-label' }, label));
  return h('div', { class: 'counts' },
    item('firing', c.firing, '#/'), item('entities', c.entities, '#/'), item('silenced', c.silenced, '#/silences'), item('penalties', c.penalties, '#/penalties'));
}

/** mountOverview draws the overview; metric events update rows in place, other events reload the alerts. */
export function mountOverview(root, _params, ctx) {
  let data = null;
  let filter = '';
  let renderTimer = null;
  let loadTimer = null;
  let gone = false;
  const summary = h('div');
  const firing = h('div');
  const entities = h('div');
  const filterInput = h('input', { type: 'search', id: 'entity-filter', placeholder: 'customer:acme, carrier:…, a name', autocomplete: 'off' });
  filterInput.addEventListener('input', () => {
    filter = filterInput.value;
    draw();
  });
  root.append(
    h('h1', {}, 'Overview'),
    summary,
    section('Firing now', firing),
    h('section', { class: 'panel', 'aria-label': 'Entities' },
      h('div', { class: 'panel-head' }, h('h2', {}, 'Entities'), h('label', { class: 'filter' }, 'Filter ', filterInput)),
      entities),
  );

  function draw() {
    if (data === null || gone) return;
    replace(summary, counts(data));
    replace(firing, firingTable(data.firing ?? [], ctx));
    replace(entities, entitiesTable(data.entities ?? [], ctx, filter));
  }

  async function refresh() {
    try {
      data = await get('api/overview');
      ctx.learn(data);
      draw();
    } catch (err) {
      if (!gone) replace(firing, errorState(err));
    }
  }

  const later = (timer, fn, ms) => timer ?? setTimeout(fn, ms);
  return {
    refresh,
    onEvent(type, payload) {
      if (gone || data === null) return;
      if (type === 'metric' && payload?.entity) {
        const rows = (data.entities ?? []).filter((e) => e.entity !== payload.entity);
        rows.push(payload);
        rows.sort((a, b) => (b.closeness ?? 0) - (a.closeness ?? 0));
        data.entities = rows;
        renderTimer = later(renderTimer, () => { renderTimer = null; draw(); }, RENDER_MS);
      } else if (type !== 'delivery' && type !== 'rule') {
        loadTimer = later(loadTimer, () => { loadTimer = null; void refresh(); }, RENDER_MS);
      }
    },
    destroy() {
      gone = true;
      clearTimeout(renderTimer);
      clearTimeout(loadTimer);
    },
  };
}
