import type { Logger } from '@callwatch/core';
import type { CompactedTable } from '@callwatch/kafka';
import {
  STOCK_TEMPLATES, alertImages, buildContext, classDecision, digestGroup, resolveRecipients, silencedNotification, skippedNotification,
  supersededReason, templateFor, type AlertImagesOptions, type ChannelSet, type GroupDefaults, type InlineImage, type NotificationContext, type Recipient, type Silencer,
} from '@callwatch/notify';
import type { DigestStore } from '@callwatch/redis';
import type { AlertEvent, Notification } from '@callwatch/schemas';
import { digestInfo, digestPayload } from './digest-flusher';
import type { NotifierTables, Sender } from './sender';

/** AlertRouterDeps are what routing an alert reads (the compacted tables) and where it sends or gathers. */
export interface AlertRouterDeps extends NotifierTables {
  classes: CompactedTable<'class'>;
  silencer: Silencer;
  digests: DigestStore;
  groupDefaults: GroupDefaults;
  /** How alert emails get their chart (on or off, and where the metric's history is read). */
  charts: AlertImagesOptions;
  channels: ChannelSet;
  sender: Sender;
  log: Logger;
}

/**
 * AlertRouter takes each alert event to each of its recipients in the order an operator reasons about them:
 * the customer's class (may switch it off, or pick the template) → silences → the digest it joins, or a delivery
 * of its own (once, retried, recorded). What is not sent is recorded as `skipped` with the reason.
 */
export class AlertRouter {
  constructor(private readonly deps: AlertRouterDeps) {}

  /**
   * route notifies the recipients of one alert and returns the records of what happened (an alert joining a digest is
   * recorded when the digest is sent). A repeat superseded by a later event of the same alert is recorded as skipped.
   */
  async route(alert: AlertEvent, supersededBy?: string): Promise<Notification[]> {
    const { rules, accounts, classes, silencer, log } = this.deps;
    const rule = rules.get(alert.rule_id);
    if (!rule) {
      log.warn({ rule: alert.rule_id, event: alert.event_id }, 'alert for a rule that no longer exists: nobody to notify');
      return [];
    }
    const account = accounts.get(alert.entity);
    const cls = account?.class ? classes.get(account.class) : undefined;
    const now = Date.now();
    const silence = silencer.mutes(alert, now);
    const skip = supersededBy === undefined ? null : supersededReason(supersededBy);
    if (silence) log.info({ rule: alert.rule_id, entity: alert.entity, event: alert.event_id, silence: silence.silence_id }, 'alert silenced: nothing sent');

    const records: Notification[] = [];
    const sends: Array<Promise<Notification[]>> = [];
    // The chart is drawn once per alert, and only when an email of its own will carry it.
    let images: Promise<InlineImage[]> | undefined;
    // The view model is the same for every recipient: built once, when the first delivery of its own needs it.
    let context: NotificationContext | undefined;
    const contextOf = () => (context ??= buildContext(alert, rule, account));
    const imagesFor = (recipient: Recipient) => (recipient.channel === 'email' ? (images ??= alertImages(alert, rule, account, this.deps.charts)) : Promise.resolve([]));
    for (const recipient of resolveRecipients(rule, account)) {
      const channel = this.deps.channels[recipient.channel];
      const decision = cls ? classDecision({ cls, alert, rule, recipientKind: recipient.source }) : { send: true as const };
      if (!decision.send) records.push(skippedNotification(alert, channel.name, recipient.recipient, decision.reason, now));
      else if (silence) records.push(silencedNotification(alert, channel.name, recipient.recipient, silence, now));
      else if (skip) records.push(skippedNotification(alert, channel.name, recipient.recipient, skip, now));
      else {
        const templateId = this.firstTemplate(decision.templateId, rule.template);
        const group = digestGroup(alert, rule, recipient, this.deps.groupDefaults);
        if (group) await this.deps.digests.add(group.id, digestInfo(group), group.waitMs, alert.event_id, digestPayload(alert, templateId), now);
        else sends.push(imagesFor(recipient).then((inline) => this.send(alert, contextOf(), recipient, templateId, inline)));
      }
    }
    for (const sent of await Promise.all(sends)) records.push(...sent);
    return records;
  }

  // A class's template that was deleted since falls back to the rule's, not to the stock one.
  private firstTemplate(...ids: Array<string | null | undefined>): string | null {
    return ids.find((id): id is string => typeof id === 'string' && (this.deps.templates.get(id) !== undefined || id in STOCK_TEMPLATES)) ?? null;
  }

  private send(alert: AlertEvent, context: NotificationContext, recipient: Recipient, templateId: string | null, images: InlineImage[]): Promise<Notification[]> {
    return this.deps.sender.send({
      alert,
      context,
      template: templateFor(alert.area, templateId, this.deps.templates.view(), alert.type),
      recipient,
      images,
    }, alert.entity);
  }
}
