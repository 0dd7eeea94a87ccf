import { createHash } from 'node:crypto';
import type { Logger } from '@callwatch/core';
import {
  alertImages, buildContext, buildNotification, orderDigest, renderDigest, templateFor,
  type AlertImagesOptions, type DigestGroup, type DigestItem, type Recipient,
} from '@callwatch/notify';
import type { DigestClaim, DigestStore } from '@callwatch/redis';
import type { NotifierTables, Sender } from './sender';
import type { AlertEvent, Notification } from '@callwatch/schemas';

// What a digest group keeps about itself in Redis, and what each waiting alert carries.
interface DigestInfo {
  key: string;
  recipient: Recipient;
  labels: Record<string, string>;
  intervalMs: number;
}
interface DigestMember {
  alert: AlertEvent;
  templateId: string | null;
}

/** digestInfo is what a digest group keeps about itself in Redis: what it is, for whom, and its interval. */
export function digestInfo(group: DigestGroup): string {
  const info: DigestInfo = { key: group.key, recipient: group.recipient, labels: group.labels, intervalMs: group.intervalMs };
  return JSON.stringify(info);
}

/** digestPayload is what one alert carries while it waits in a digest group. */
export function digestPayload(alert: AlertEvent, templateId: string | null): string {
  const member: DigestMember = { alert, templateId };
  return JSON.stringify(member);
}

/** DigestFlusherDeps are where a flusher reads names and values from, sends through, and records to. */
export interface DigestFlusherDeps extends NotifierTables {
  digests: DigestStore;
  charts: AlertImagesOptions;
  sender: Sender;
  /** How long a flusher holds a group it claimed (a notifier that died while sending loses it after this). */
  leaseMs: number;
  log: Logger;
  record(records: Notification[]): Promise<void>;
}

// Digests are delivered once like alerts: their claims live under one hash tag of their own.
const DIGEST_DEDUP_TAG = 'digests';

/**
 * DigestFlusher sends the digest groups that are due: one message per group with every alert that gathered in it
 * (a digest of one alert is that alert's own notification), recorded once per alert with the group's key. A flush
 * has the same identity when it is retried after a crash (a hash of its alerts), so it carries the same Message-ID.
 */
export class DigestFlusher {
  constructor(private readonly deps: DigestFlusherDeps) {}

  /** flushDue sends every group due at `nowMs` that no other notifier is sending. */
  async flushDue(nowMs: number): Promise<void> {
    for (const groupId of await this.deps.digests.due(nowMs)) {
      const claim = await this.deps.digests.claim(groupId, nowMs, this.deps.leaseMs);
      if (!claim) continue;
      try {
        await this.flush(claim);
      } catch (err) {
        await this.deps.digests.fail(groupId, this.deps.leaseMs, Date.now());
        throw err;
      }
    }
  }

  private async flush(claim: DigestClaim): Promise<void> {
    const { rules, accounts, templates } = this.deps;
    const info = JSON.parse(claim.info) as DigestInfo;
    const members = [...claim.members.values()].map((p) => JSON.parse(p) as DigestMember);
    const items: DigestItem[] = members.map(({ alert }) => ({ alert, context: buildContext(alert, rules.get(alert.rule_id), accounts.get(alert.entity)) }));
    const [worst] = orderDigest(items) as [DigestItem];
    const single = members.length === 1 ? (members[0] as DigestMember) : null;
    const eventIds = [...claim.members.keys()].sort();
    const deliveryId = single ? single.alert.event_id : `digest-${claim.groupId.slice(0, 16)}-${createHash('sha1').update(eventIds.join('\n')).digest('hex').slice(0, 16)}`;
    // A digest email shows the chart of its worst alert.
    const rule = rules.get(worst.alert.rule_id);
    const images = info.recipient.channel === 'email' && rule ? await alertImages(worst.alert, rule, accounts.get(worst.alert.entity), this.deps.charts) : [];
    const records = await this.deps.sender.send({
      alert: worst.alert,
      context: worst.context,
      template: templateFor(worst.alert.area, single?.templateId ?? null, templates.view(), worst.alert.type),
      deliveryId,
      ...(single ? {} : { rendered: renderDigest(items, info.labels) }),
      recipient: info.recipient,
      images,
    }, DIGEST_DEDUP_TAG);
    // One record per alert and attempt, so each alert's history says which digest carried it.
    await this.deps.record(records.flatMap((r) => members.map(({ alert }) => buildNotification(alert, r.channel, r.recipient, {
      status: r.status, attempt: r.attempt, atMs: r.at_ms, groupKey: info.key,
      ...(r.error === null ? {} : { error: r.error }), ...(r.message_id === null ? {} : { messageId: r.message_id }),
    }))));
    await this.deps.digests.complete(claim.groupId, eventIds, info.intervalMs, Date.now());
  }
}
