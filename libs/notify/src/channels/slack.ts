import type { AlertEvent, Level } from '@callwatch/schemas';
import type { Channel, OutboundMessage, SendResult } from './channel';
import { DEFAULT_HTTP_LIMITS, failureFor, postHttp, type HttpLimits } from './http-post';
import type { TargetGuard } from './target-guard';
import { IDEMPOTENCY_KEY_HEADER } from './webhook';

/** SlackOptions configure the Slack channel: the guard on target addresses and the limits. */
export interface SlackOptions extends Partial<HttpLimits> {
  guard: TargetGuard;
  userAgent?: string;
}

/** LEVEL_COLOURS is the attachment bar colour of each alert level, from calm blue to red. */
export const LEVEL_COLOURS: Readonly<Record<Level, string>> = {
  info: '#2f80ed',
  warning: '#f2c744',
  error: '#e8762c',
  critical: '#d0021b',
};

/** SlackPayload is what a Slack-compatible incoming webhook receives: the subject as the message, the text in a coloured attachment. */
export interface SlackPayload {
  text: string;
  attachments: Array<{
    color: string;
    fallback: string;
    text: string;
    fields: Array<{ title: string; value: string; short: boolean }>;
    ts: number;
  }>;
}

/**
 * slackText escapes the three characters Slack reads as markup (`<!channel>`, `<@U123>`, `<https://x|label>`), so a
 * customer's name or any other value shows as the text it is and cannot mention, link or ping anyone.
 */
export function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** slackPayload renders a notification for Slack from the template's subject and plain-text body, as plain text. */
export function slackPayload(subject: string, text: string, alert: AlertEvent): SlackPayload {
  return {
    text: slackText(subject),
    attachments: [{
      color: LEVEL_COLOURS[alert.level],
      fallback: slackText(subject),
      text: slackText(text),
      fields: [
        { title: 'Level', value: alert.level, short: true },
        { title: 'Entity', value: slackText(alert.entity), short: true },
        { title: 'Rule', value: slackText(alert.rule_id), short: true },
        { title: 'Event', value: alert.type, short: true },
      ],
      ts: Math.floor(alert.at_ms / 1000),
    }],
  };
}

/**
 * createSlackChannel POSTs to a Slack-compatible incoming webhook URL (Slack, Mattermost, …) after the guard has
 * vetted its address; Slack's 4xx answers (`invalid_payload`, `no_service`) are rejections, 429 and 5xx retriable.
 */
export function createSlackChannel({ guard, userAgent = 'callwatch-notifier', ...limits }: SlackOptions): Channel {
  const { timeoutMs, maxResponseBytes } = { ...DEFAULT_HTTP_LIMITS, ...limits };
  return {
    name: 'slack',
    async send(message: OutboundMessage): Promise<SendResult> {
      const url = message.recipient;
      const body = JSON.stringify(slackPayload(message.subject, message.text, message.alert));
      const headers = { 'content-type': 'application/json', 'user-agent': userAgent, [IDEMPOTENCY_KEY_HEADER]: message.deliveryId };
      const answer = await postHttp({ channel: 'slack', url, body, headers, guard, timeoutMs, maxResponseBytes });
      const failure = failureFor('slack', url, answer);
      if (failure) throw failure;
      // Slack answers a bare "ok" and no id; the delivery id is what identifies the message on retries too.
      return { messageId: message.deliveryId };
    },
  };
}
