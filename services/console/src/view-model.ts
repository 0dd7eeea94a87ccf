import { parseEntity } from '@callwatch/core';
import { AREA_FORMATS, silenceMutes, silenceState } from '@callwatch/notify';
import { metricValue, ruleApplies, type AlertState } from '@callwatch/rules';
import type { Account, Action, AlertEvent, Level, MetricSnapshot, Notification, Rule, Silence } from '@callwatch/schemas';
import type {
  AlertEventRow, Blocked, DeliveryRow, EntityDetail, EntityRow, FiringAlert, ModelChange, PenaltyRow, RuleRow, RuleState, SilenceRow,
} from './api-types';
import { closeness } from './closeness';
import { applySnapshot, currentMetrics, newEntityView, seriesSince, shortestWindow, sparklines, windowRows, type EntityView } from './entity-view';
import { maskRecipient } from './mask-recipient';

/** ModelEvent is one thing the console learns: from a topic as it happens, or from Redis once at start. */
export type ModelEvent =
  | { kind: 'metric'; snapshot: MetricSnapshot }
  /** `live: false` for the alert topic's recent past, read at start: listed, but the firing state comes from Redis */
  | { kind: 'alert'; alert: AlertEvent; live: boolean }
  | { kind: 'alert-state'; entity: string; ruleId: string; state: AlertState }
  | { kind: 'action'; action: Action }
  | { kind: 'penalty'; penalty: PenaltyRow }
  | { kind: 'notification'; notification: Notification }
  | { kind: 'rule'; id: string; rule: Rule | null }
  | { kind: 'silence'; id: string; silence: Silence | null }
  | { kind: 'account'; entity: string; account: Account | null };

/** ModelLimits bound the console's memory, whatever the deployment's size. */
export interface ModelLimits {
  /** entities kept; past it, the one heard of longest ago (and not firing, not penalised) goes */
  maxEntities: number;
  /** how far back the series go */
  seriesMs: number;
  /** one series point per step at most */
  stepMs: number;
  /** values in a sparkline */
  sparklinePoints: number;
  /** recent alert events and deliveries kept */
  recentEvents: number;
  /** alert events and deliveries kept per entity */
  entityEvents: number;
  /** how long an expired silence stays listed */
  expiredSilenceMs: number;
}

/** DEFAULT_LIMITS are the limits the console runs with unless configured otherwise. */
export const DEFAULT_LIMITS: ModelLimits = {
  maxEntities: 5_000, seriesMs: 3_600_000, stepMs: 5_000, sparklinePoints: 60, recentEvents: 500, entityEvents: 20, expiredSilenceMs: 3_600_000,
};

const LEVEL_RANK: Record<Level, number> = { info: 0, warning: 1, error: 2, critical: 3 };

interface Firing extends Omit<FiringAlert, 'value' | 'silenced' | 'unit'> {
  value: number | null;
}

const firingKey = (ruleId: string, entity: string) => `${ruleId}\u0000${entity}`;

/**
 * ViewModel folds what the console learns into the state its API serves. It does no I/O and reads no clock: every
 * question takes `now`, and `apply` returns the changes to push to live viewers.
 */
export class ViewModel {
  private readonly entities = new Map<string, EntityView>();
  private readonly firing = new Map<string, Firing>();
  private readonly penalties = new Map<string, PenaltyRow>();
  private readonly rules = new Map<string, Rule>();
  private readonly silences = new Map<string, Silence>();
  private readonly accounts = new Map<string, Account>();
  // Oldest first; the API lists them newest first.
  private readonly alerts: AlertEventRow[] = [];
  private readonly deliveries: DeliveryRow[] = [];
  private readonly entityAlerts = new Map<string, AlertEventRow[]>();
  private readonly entityDeliveries = new Map<string, DeliveryRow[]>();

  constructor(readonly limits: ModelLimits = DEFAULT_LIMITS) {}

  /** apply folds one event in and returns what live viewers should be told. */
  apply(event: ModelEvent, now: number): ModelChange[] {
    switch (event.kind) {
      case 'metric': return this.applyMetric(event.snapshot, now);
      case 'alert': return this.applyAlert(event.alert, event.live, now);
      case 'alert-state': return this.applyAlertState(event.entity, event.ruleId, event.state, now);
      case 'action': return this.applyAction(event.action);
      case 'penalty': {
        this.penalties.set(event.penalty.entity, event.penalty);
        return [{ event: 'penalty', data: { action: 'disable', penalty: event.penalty } }];
      }
      case 'notification': return this.applyNotification(event.notification);
      case 'rule': {
        if (event.rule === null) this.rules.delete(event.id);
        else this.rules.set(event.id, event.rule);
        return event.rule === null ? [] : [{ event: 'rule', data: this.ruleRow(event.rule) }];
      }
      case 'silence': {
        if (event.silence === null) this.silences.delete(event.id);
        else this.silences.set(event.id, event.silence);
        return event.silence === null ? [] : [{ event: 'silence', data: silenceRow(event.silence, now) }];
      }
      case 'account': {
        if (event.account === null) this.accounts.delete(event.entity);
        else this.accounts.set(event.entity, event.account);
        return [];
      }
    }
  }

  private applyMetric(snapshot: MetricSnapshot, now: number): ModelChange[] {
    const view = this.entity(snapshot.entity, snapshot.at_ms);
    if (!applySnapshot(view, snapshot, this.limits)) return [];
    return [{ event: 'metric', entity: snapshot.entity, data: this.entityRow(view, now) }];
  }

  private applyAlert(alert: AlertEvent, live: boolean, now: number): ModelChange[] {
    if (alert.test) return [];
    const row = alertRow(alert);
    push(this.alerts, row, this.limits.recentEvents);
    const perEntity = this.entityAlerts.get(alert.entity) ?? [];
    push(perEntity, row, this.limits.entityEvents);
    this.entityAlerts.set(alert.entity, perEntity);
    if (live && row.type !== 'event') {
      const key = firingKey(alert.rule_id, alert.entity);
      if (alert.type === 'fired' || alert.type === 'repeated') {
        this.entity(alert.entity, alert.at_ms);
        this.firing.set(key, {
          rule_id: alert.rule_id, rule_title: alert.rule_title, entity: alert.entity, area: alert.area, level: alert.level, operator: alert.operator,
          value: alert.value, threshold: alert.threshold, reset_threshold: alert.reset_threshold, since_ms: alert.first_fired_at_ms, last_ms: alert.at_ms,
          event_id: alert.event_id,
        });
      } else if (alert.type === 'reset') this.firing.delete(key);
    } else if (!live && (alert.type === 'fired' || alert.type === 'repeated')) {
      // The recent past names the event behind a firing state read from Redis.
      const known = this.firing.get(firingKey(alert.rule_id, alert.entity));
      if (known && alert.at_ms >= known.since_ms) known.event_id = alert.event_id;
    }
    const changes: ModelChange[] = [{ event: 'alert', data: row }];
    const view = this.entities.get(alert.entity);
    if (live && view) changes.push({ event: 'metric', entity: alert.entity, data: this.entityRow(view, now) });
    return changes;
  }

  private applyAlertState(entity: string, ruleId: string, state: AlertState, now: number): ModelChange[] {
    const key = firingKey(ruleId, entity);
    if (state.status !== 'firing') {
      this.firing.delete(key);
      return [];
    }
    const rule = this.rules.get(ruleId);
    const fields = state.rule ?? (rule ? { rule_title: rule.title, area: rule.area, threshold: rule.threshold, reset_threshold: rule.reset_threshold, operator: rule.operator, level: rule.level } : null);
    if (!fields) return [];
    this.entity(entity, now);
    this.firing.set(key, {
      rule_id: ruleId, rule_title: fields.rule_title, entity, area: fields.area, level: fields.level, operator: fields.operator, value: state.value,
      threshold: fields.threshold, reset_threshold: fields.reset_threshold, since_ms: state.first_fired_at_ms ?? state.since_ms,
      last_ms: state.last_notified_ms ?? state.since_ms, event_id: '',
    });
    return [];
  }

  private applyAction(action: Action): ModelChange[] {
    if (action.type === 'disable' && action.until_ms !== null) {
      const before = this.penalties.get(action.entity);
      const penalty: PenaltyRow = { entity: action.entity, until_ms: action.until_ms, rule_id: action.rule_id, reason: action.reason, since_ms: before?.since_ms ?? action.at_ms };
      this.penalties.set(action.entity, penalty);
      return [{ event: 'penalty', data: { action: 'disable', penalty } }];
    }
    const ended = this.penalties.get(action.entity);
    if (action.type !== 'enable' || !ended) return [];
    this.penalties.delete(action.entity);
    return [{ event: 'penalty', data: { action: 'enable', penalty: { ...ended, reason: action.reason } } }];
  }

  private applyNotification(n: Notification): ModelChange[] {
    const row: DeliveryRow = {
      notification_id: n.notification_id, alert_event_id: n.alert_event_id, rule_id: n.rule_id, entity: n.entity, channel: n.channel,
      recipient: maskRecipient(n.channel, n.recipient), status: n.status, attempt: n.attempt, error: n.error, at_ms: n.at_ms,
    };
    push(this.deliveries, row, this.limits.recentEvents);
    const perEntity = this.entityDeliveries.get(n.entity) ?? [];
    push(perEntity, row, this.limits.entityEvents);
    this.entityDeliveries.set(n.entity, perEntity);
    return [{ event: 'delivery', data: row }];
  }

  // The entity's view, made when new; past the cap, the entity heard of longest ago that nothing holds here goes.
  private entity(entity: string, atMs: number): EntityView {
    let view = this.entities.get(entity);
    if (view) {
      // Map order is the order of last news: the first entries are the stalest.
      this.entities.delete(entity);
      this.entities.set(entity, view);
      return view;
    }
    view = newEntityView(entity, atMs);
    this.entities.set(entity, view);
    if (this.entities.size > this.limits.maxEntities) {
      const held = new Set([...this.firing.values()].map((f) => f.entity));
      for (const candidate of this.entities.keys()) {
        if (candidate === entity || held.has(candidate) || this.penalties.has(candidate)) continue;
        this.forget(candidate);
        break;
      }
    }
    return view;
  }

  private forget(entity: string): void {
    this.entities.delete(entity);
    this.entityAlerts.delete(entity);
    this.entityDeliveries.delete(entity);
  }

  /** firingAlerts are the alerts firing now: critical first, then the oldest. */
  firingAlerts(now: number): FiringAlert[] {
    return [...this.firing.values()]
      .map((f) => this.firingAlert(f, now))
      .sort((a, b) => LEVEL_RANK[b.level] - LEVEL_RANK[a.level] || a.since_ms - b.since_ms || a.entity.localeCompare(b.entity));
  }

  private firingAlert(f: Firing, now: number): FiringAlert {
    const rule = this.rules.get(f.rule_id);
    const snapshot = this.entities.get(f.entity)?.snapshot ?? null;
    const live = rule && snapshot && rule.area !== 'script' && rule.area !== 'event' ? metricValue(rule, snapshot).value : null;
    const format = AREA_FORMATS[f.area];
    return {
      ...f,
      value: live ?? f.value,
      unit: format?.money ? (this.accounts.get(f.entity)?.currency ?? '') : (format?.unit ?? ''),
      silenced: this.silencedBy(f.rule_id, f.entity, now) !== null,
    };
  }

  private silencedBy(ruleId: string, entity: string, now: number): Silence | null {
    for (const s of this.silences.values()) if (silenceMutes(s, { rule_id: ruleId, entity, test: false }, now)) return s;
    return null;
  }

  /** recentAlerts are the last `limit` alert events, newest first. */
  recentAlerts(limit: number): AlertEventRow[] {
    return this.alerts.slice(-limit).reverse();
  }

  /** recentDeliveries are the last `limit` delivery attempts, newest first. */
  recentDeliveries(limit: number): DeliveryRow[] {
    return this.deliveries.slice(-limit).reverse();
  }

  /** entityRows lists every entity the console knows, the closest to firing first. */
  entityRows(now: number): EntityRow[] {
    return [...this.entities.values()].map((v) => this.entityRow(v, now)).sort((a, b) => b.closeness - a.closeness || a.entity.localeCompare(b.entity));
  }

  /** entityDetail is one entity's page; null when the console has never heard of it. */
  entityDetail(entity: string, now: number): EntityDetail | null {
    const view = this.entities.get(entity);
    if (!view) return null;
    const account = this.accounts.get(entity);
    return {
      row: this.entityRow(view, now),
      account: account ? { name: account.name, class: account.class, status: account.status, balance: account.balance, currency: account.currency, emails: account.emails, phones: account.phones } : null,
      windows: windowRows(view.snapshot),
      series: seriesSince(view, now - this.limits.seriesMs),
      rules: this.ruleStates(view, now),
      penalty: this.activePenalty(entity, now),
      deliveries: [...(this.entityDeliveries.get(entity) ?? [])].reverse(),
      alerts: [...(this.entityAlerts.get(entity) ?? [])].reverse(),
    };
  }

  private entityRow(view: EntityView, now: number): EntityRow {
    const firing = [...this.firing.values()].filter((f) => f.entity === view.entity);
    const worst = firing.reduce<Level | null>((w, f) => (w === null || LEVEL_RANK[f.level] > LEVEL_RANK[w] ? f.level : w), null);
    const states = this.ruleStates(view, now);
    const near = states.reduce((max, s) => Math.max(max, s.state === 'firing' ? Math.max(1, closeness(s.value, s.operator, s.threshold)) : s.state === 'ok' ? closeness(s.value, s.operator, s.threshold) : 0), 0);
    return {
      entity: view.entity,
      name: this.accounts.get(view.entity)?.name ?? null,
      kind: parseEntity(view.entity).kind,
      updated_ms: view.updatedMs,
      metrics: currentMetrics(view.snapshot),
      period_ms: shortestWindow(view.snapshot)?.sample_period_ms ?? null,
      sparklines: sparklines(view, this.limits.sparklinePoints),
      firing: firing.length,
      worst_level: worst,
      closeness: Math.round(near * 1000) / 1000,
      penalty: this.activePenalty(view.entity, now),
    };
  }

  // The rules that watch the entity and where each stands.
  private ruleStates(view: EntityView, now: number): RuleState[] {
    const account = this.accounts.get(view.entity);
    const out: RuleState[] = [];
    for (const rule of [...this.rules.values()].sort((a, b) => a.id.localeCompare(b.id))) {
      if (!ruleApplies(rule, view.entity, account ?? undefined)) continue;
      const firing = this.firing.get(firingKey(rule.id, view.entity));
      const value = view.snapshot && rule.area !== 'script' && rule.area !== 'event' ? metricValue(rule, view.snapshot).value : (firing?.value ?? null);
      const state: RuleState['state'] = !rule.enabled ? 'disabled' : firing ? 'firing' : value === null ? 'no_data' : 'ok';
      out.push({
        rule_id: rule.id, title: rule.title, area: rule.area, level: rule.level, operator: rule.operator, threshold: rule.threshold, reset_threshold: rule.reset_threshold,
        state, value: value ?? firing?.value ?? null, since_ms: firing?.since_ms ?? null, silenced: this.silencedBy(rule.id, view.entity, now) !== null,
      });
    }
    return out;
  }

  /** ruleRows lists every rule with how many entities it fires for now. */
  ruleRows(): RuleRow[] {
    return [...this.rules.values()].sort((a, b) => a.id.localeCompare(b.id)).map((r) => this.ruleRow(r));
  }

  /** rule is a rule as the rule topic holds it. */
  rule(id: string): Rule | undefined {
    return this.rules.get(id);
  }

  /** account is an entity's newest account snapshot. */
  account(entity: string): Account | undefined {
    return this.accounts.get(entity);
  }

  /** silence is a silence as the silence topic holds it. */
  silence(id: string): Silence | undefined {
    return this.silences.get(id);
  }

  private ruleRow(rule: Rule): RuleRow {
    let firing = 0;
    for (const f of this.firing.values()) if (f.rule_id === rule.id) firing++;
    return {
      id: rule.id, title: rule.title, area: rule.area, level: rule.level, scope: scopeOf(rule), operator: rule.operator, threshold: rule.threshold,
      reset_threshold: rule.reset_threshold, sample_period_ms: rule.sample_period_ms, enabled: rule.enabled, firing, action: rule.penalty_ms !== null && rule.penalty_ms > 0 ? 'disable' : null,
    };
  }

  /** silenceRows lists active and pending silences, and those that ended within the last hour, soonest start first. */
  silenceRows(now: number): SilenceRow[] {
    return [...this.silences.values()]
      .filter((s) => s.ends_at_ms > now - this.limits.expiredSilenceMs)
      .sort((a, b) => a.starts_at_ms - b.starts_at_ms || a.silence_id.localeCompare(b.silence_id))
      .map((s) => silenceRow(s, now));
  }

  /** activePenalties are the penalties running now, soonest end first. */
  activePenalties(now: number): PenaltyRow[] {
    return [...this.penalties.values()].filter((p) => p.until_ms > now).sort((a, b) => a.until_ms - b.until_ms || a.entity.localeCompare(b.entity));
  }

  private activePenalty(entity: string, now: number): PenaltyRow | null {
    const p = this.penalties.get(entity);
    return p && p.until_ms > now ? p : null;
  }

  /** blocked is what a switch that polls must not route now. */
  blocked(now: number): Blocked {
    return { as_of_ms: now, blocked: this.activePenalties(now).map(({ entity, until_ms, rule_id, reason }) => ({ entity, until_ms, rule_id, reason })) };
  }

  /** counts are the overview's figures. */
  counts(now: number): { entities: number; firing: number; silenced: number; penalties: number } {
    const firing = this.firingAlerts(now);
    return { entities: this.entities.size, firing: firing.length, silenced: firing.filter((f) => f.silenced).length, penalties: this.activePenalties(now).length };
  }
}

function alertRow(a: AlertEvent): AlertEventRow {
  return {
    event_id: a.event_id, type: a.area === 'event' && a.type === 'fired' ? 'event' : a.type, rule_id: a.rule_id, rule_title: a.rule_title, entity: a.entity,
    area: a.area, level: a.level, value: a.value, threshold: a.threshold, operator: a.operator, at_ms: a.at_ms,
  };
}

/** silenceRow is a silence as the API lists it. */
export function silenceRow(s: Silence, now: number): SilenceRow {
  return {
    silence_id: s.silence_id, rule: s.rule, entity: s.entity, starts_at_ms: s.starts_at_ms, ends_at_ms: s.ends_at_ms, comment: s.comment, created_by: s.created_by,
    expired: silenceState(s, now) === 'expired',
  };
}

// The scope as a rule file writes it.
function scopeOf(rule: Rule): Record<string, string> {
  const { kind, value } = rule.scope;
  if (kind === 'all_customers') return { all: 'customers' };
  if (kind === 'all_carriers') return { all: 'carriers' };
  return { [kind]: value ?? '' };
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
