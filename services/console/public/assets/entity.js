// #/entity/<entity> — one customer or carrier: charts of every area, its windows, its rules and their state, its
// penalty, recent alerts and deliveries, and history from the recorder when the console has one.

import { ApiError, entityPath, get } from './api.js';
import { h, replace } from './dom.js';
import { timeChart } from './chart.js';
import { AREA_NAMES, areaName, condition, formatValue, period, resetSide } from './format.js';
import { deliveriesTable } from './deliveries.js';
import { errorState, liveView } from './view.js';
import { actionButton, emptyState, levelBadge, section, stateBadge, table, timeAgo } from './widgets.js';

const WINDOW_AREAS = ['asr', 'ner', 'acd', 'pdd', 'attempts', 'answered', 'cps', 'spend', 'margin', 'sdr'];
const AREA_ORDER = Object.keys(AREA_NAMES);

function header(detail, entity, ctx) {
  const account = detail.account;
  const name = account?.name ?? detail.row?.name;
  const facts = account ? [
    ['Class', account.class ?? '—'], ['Status', account.status ?? '—'], ['Balance', formatValue('balance', detail.row?.metrics?.balance ?? account.balance, account.currency)],
    ['Emails', (account.emails ?? []).join(', ') || '—'], ['Phones', (account.phones ?? []).join(', ') || '—'],
  ] : [['Account', 'no account snapshot from billing yet']];
  return h('div', { class: 'entity-head' },
    h('h1', {}, name ?? entity, name ? [' ', h('span', { class: 'entity-id' }, entity)] : null),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
      h('div', {}, h('dt', {}, 'Updated'), h('dd', {}, timeAgo(detail.row?.updated_ms, ctx.now)))));
}

function penaltyPanel(penalty, entity, ctx) {
  if (!penalty) return null;
  return h('div', { class: 'banner level-critical', role: 'status' },
    h('strong', {}, 'Blocked'), ' until ', timeAgo(penalty.until_ms, ctx.now), ` by ${penalty.rule_id}`, penalty.reason ? ` — ${penalty.reason}` : '',
    ' ', actionButton('Lift penalty', ctx, async () => {
      await ctx.write('POST', `api/penalties/${encodeURIComponent(entity)}/lift`, { reason: 'lifted from the console' });
      return `Penalty on ${entity} lifted`;
    }, { danger: true }));
}

function charts(detail) {
  const currency = detail.account?.currency;
  const areas = Object.keys(detail.series ?? {}).sort((a, b) => AREA_ORDER.indexOf(a) - AREA_ORDER.indexOf(b));
  if (areas.length === 0) return emptyState('No live values kept yet', 'The console keeps the last hour of this entity’s metric snapshots from the moment it starts.');
  return h('div', { class: 'charts' }, areas.map((area) => {
    const thresholds = (detail.rules ?? []).filter((r) => r.area === area && typeof r.threshold === 'number')
      .map((r) => ({ threshold: r.threshold, operator: r.operator, level: r.level, title: r.title }));
    const series = detail.series[area];
    const last = [...series].reverse().find((p) => typeof p[1] === 'number');
    return h('figure', { class: 'chart-box', dataset: { area } },
      h('figcaption', {}, h('span', {}, areaName(area)), h('span', { class: 'chart-now' }, formatValue(area, last?.[1] ?? null, currency))),
      timeChart(area, series, { thresholds, currency }));
  }));
}

function windowsTable(windows, currency) {
  const periods = Object.keys(windows ?? {}).map(Number).sort((a, b) => a - b);
  return table({
    caption: 'Windows per sample period', className: 'windows',
    columns: [{ label: 'Period' }, ...WINDOW_AREAS.map((a) => ({ label: areaName(a), class: 'num' }))],
    rows: periods.map((p) => h('tr', {}, h('th', { scope: 'row' }, period(p)),
      WINDOW_AREAS.map((a) => h('td', { class: 'num' }, formatValue(a, windows[p]?.[a] ?? windows[String(p)]?.[a], currency))))),
    empty: emptyState('No windows yet', 'Windows fill as CDRs for this entity arrive.'),
  });
}

function rulesTable(rules, ctx) {
  return table({
    caption: 'Rules that apply to this entity', className: 'entity-rules',
    columns: [{ label: 'Rule' }, { label: 'Level' }, { label: 'Fires when' }, { label: 'State' }, { label: 'Value', class: 'num' }, { label: 'Since' }],
    rows: rules.map((r) => h('tr', { dataset: { rule: r.rule_id, state: r.state } },
      h('td', {}, h('a', { href: '#/rules' }, r.title), h('div', { class: 'muted small' }, r.rule_id)),
      h('td', {}, levelBadge(r.level)),
      h('td', {}, condition(r.area, r.operator, r.threshold), r.reset_threshold !== null && r.reset_threshold !== undefined ? h('div', { class: 'muted small' }, resetSide(r.area, r.operator, r.reset_threshold)) : null),
      h('td', {}, stateBadge(r.state), r.silenced ? [' ', stateBadge('silenced')] : null),
      h('td', { class: 'num' }, formatValue(r.area, r.value)),
      h('td', {}, r.since_ms ? timeAgo(r.since_ms, ctx.now) : h('span', { class: 'muted' }, '—')))),
    empty: emptyState('No rule applies to this entity', 'Rules are loaded with callwatch rules apply; a rule’s scope decides which entities it judges.'),
  });
}

function alertsTable(alerts, ctx) {
  return table({
    caption: 'Recent alert events', className: 'alerts',
    columns: [{ label: 'When' }, { label: 'Event' }, { label: 'Rule' }, { label: 'Level' }, { label: 'Value', class: 'num' }],
    rows: alerts.map((a) => h('tr', { dataset: { type: a.type } },
      h('td', {}, timeAgo(a.at_ms, ctx.now)), h('td', {}, stateBadge(a.type)), h('td', {}, a.rule_title),
      h('td', {}, levelBadge(a.level)), h('td', { class: 'num' }, formatValue(a.area, a.value)))),
    empty: emptyState('No alert events yet', 'Fired, repeated and reset events of this entity appear here.'),
  });
}

// The history panel loads only when asked: it queries ClickHouse, which is slower than the live view.
function historyPanel(entity, detail, ctx) {
  const body = h('div', { class: 'history-body' });
  if (ctx.deployment && ctx.deployment.history === false) {
    return section('History', emptyState('No history on this console', 'Start the console with RECORDER_URL or CLICKHOUSE_URL to see days of history from the recorder.'));
  }
  const areas = [...new Set([...Object.keys(detail.series ?? {}), 'asr', 'acd', 'pdd', 'attempts', 'spend'])];
  const select = h('select', { id: 'history-area' }, areas.map((a) => h('option', { value: a }, areaName(a))));
  const by = h('select', { id: 'history-by' }, h('option', { value: 'hour' }, 'hourly, last 24 h'), h('option', { value: 'day' }, 'daily, last 30 days'));
  const load = async () => {
    replace(body, h('p', { class: 'muted' }, 'Loading history…'));
    const since = by.value === 'day' ? '30d' : '24h';
    try {
      const history = await get(entityPath(entity, `/history?area=${encodeURIComponent(select.value)}&by=${by.value}&since=${since}`));
      if (!history.available) replace(body, emptyState('History is not available', history.reason ?? ''));
      else replace(body, timeChart(select.value, history.rows.map((r) => [r.at_ms, r.value]), { currency: detail.account?.currency, title: `${areaName(select.value)} history` }));
    } catch (err) {
      replace(body, errorState(err));
    }
  };
  select.addEventListener('change', load);
  by.addEventListener('change', load);
  void load();
  return h('section', { class: 'panel', 'aria-label': 'History' },
    h('div', { class: 'panel-head' }, h('h2', {}, 'History'),
      h('div', { class: 'controls' }, h('label', {}, 'Area ', select), h('label', {}, 'Resolution ', by))), body);
}

export function mountEntity(root, [entity], ctx) {
  const live = h('div');
  const history = h('div');
  root.append(h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Overview'), ' / ', entity), live, history);
  let historyShown = false;
  const view = liveView(live, {
    load: async () => {
      try {
        return await get(entityPath(entity));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    render: (detail) => {
      if (detail === null) {
        return emptyState(`callwatch has not seen ${entity}`, 'Check the id (customer:<id> or carrier:<id>), or wait for its first CDR or account snapshot.');
      }
      if (!historyShown) {
        historyShown = true;
        replace(history, historyPanel(entity, detail, ctx));
      }
      return [
        header(detail, entity, ctx),
        penaltyPanel(detail.penalty, entity, ctx),
        section('Live values, last hour', charts(detail)),
        section('Windows', windowsTable(detail.windows, detail.account?.currency)),
        section('Rules', rulesTable(detail.rules ?? [], ctx)),
        h('div', { class: 'two-up' },
          section('Recent alerts', alertsTable(detail.alerts ?? [], ctx)),
          section('Recent deliveries', deliveriesTable(detail.deliveries ?? [], ctx, { showEntity: false }))),
      ];
    },
    wants: (type, data) => {
      const about = type === 'penalty' ? data?.penalty?.entity : data?.entity;
      return about === entity || type === 'silence' || type === 'rule';
    },
  });
  return view;
}
