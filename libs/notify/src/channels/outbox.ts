import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CallwatchError } from '@callwatch/core';
import type { Channel, InlineImage, OutboundMessage, SendResult } from './channel';
import { buildEml, emailMessageId } from './eml';

/** OutboxOptions configure the outbox channel: the directory to write into and the From of its emails. */
export interface OutboxOptions {
  dir: string;
  from?: string;
}

/** sanitizeFileName keeps a recipient or id safe as one path segment: no separators or spaces, bounded length (the id prefix keeps it from being "." or ".."). */
export function sanitizeFileName(value: string): string {
  return value.replace(/[^A-Za-z0-9@.+_-]/g, '_').slice(0, 120) || '_';
}

// Write then rename, so anything watching the outbox never reads a half-written file.
async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, 'utf8');
  await rename(temporary, path);
}

/**
 * browserHtml is an email's html for a browser: a mail client finds an inline image by its `cid:` URL in the .eml, a
 * browser opening the .html beside it needs the image itself, so each `cid:` URL becomes the image as a data URL.
 */
export function browserHtml(html: string, images: readonly InlineImage[] = []): string {
  return images.reduce((out, image) => out.split(`"cid:${image.cid}"`).join(`"data:image/png;base64,${image.png.toString('base64')}"`), html);
}

/**
 * createOutboxChannel writes notifications as files instead of sending them (the default without AWS):
 * `<dir>/<yyyy-mm-dd>/<alert event id>-<recipient>.eml` plus a `.html` beside it for email (its chart included, to
 * open in a browser), `.sms.txt` for SMS.
 * The day and names come from the alert event, so a redelivered event overwrites its own files.
 */
export function createOutboxChannel({ dir, from = 'callwatch <callwatch@localhost>' }: OutboxOptions): Channel {
  return {
    name: 'outbox',
    async send(message: OutboundMessage): Promise<SendResult> {
      const day = new Date(message.alert.at_ms).toISOString().slice(0, 10);
      const folder = join(dir, day);
      const base = join(folder, `${sanitizeFileName(message.deliveryId)}-${sanitizeFileName(message.recipient)}`);
      try {
        await mkdir(folder, { recursive: true });
        if (message.channel === 'sms') {
          await writeAtomically(`${base}.sms.txt`, `To: ${message.recipient}\n\n${message.sms}\n`);
          return { messageId: `${base}.sms.txt` };
        }
        if (message.channel !== 'email') {
          throw new CallwatchError('CW_ERR_DELIVERY_REJECTED', `outbox: cannot hold ${message.channel} notifications`);
        }
        const eml = buildEml({
          from,
          to: message.recipient,
          subject: message.subject,
          text: message.text,
          html: message.html,
          date: new Date(message.alert.at_ms),
          messageId: emailMessageId(message.deliveryId, message.channel, message.recipient, from),
          headers: { 'X-Callwatch-Event-Id': message.alert.event_id },
          ...(message.images ? { images: message.images } : {}),
        });
        await writeAtomically(`${base}.html`, browserHtml(message.html, message.images));
        await writeAtomically(`${base}.eml`, eml);
        return { messageId: `${base}.eml` };
      } catch (err) {
        if (err instanceof CallwatchError) throw err;
        // A full disk or a permission problem may clear up; the retry budget bounds how long we wait for it.
        throw new CallwatchError('CW_ERR_DELIVERY', `outbox: cannot write ${base}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
