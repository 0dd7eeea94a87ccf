import type { InlineImage } from '../channels/channel';
import type { NotificationContext } from '../context';

/** withChart gives a template its chart variables (`chart.cid`, `chart.alt`, `chart.width`) from the first image. */
export function withChart(context: NotificationContext, images: readonly InlineImage[]): NotificationContext {
  const chart = images[0];
  return chart ? { ...context, chart: { cid: chart.cid, alt: chart.alt, width: chart.width } } : context;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** imageTag is the `<img>` of an inline image, sized for email clients that ignore CSS. */
export function imageTag(image: InlineImage): string {
  return `<img src="cid:${escapeHtml(image.cid)}" alt="${escapeHtml(image.alt)}" width="${image.width}" height="${image.height}" style="display:block;max-width:100%;height:auto;border:0">`;
}

/**
 * placeImages shows every image that a template's html does not reference itself (an admin's template written
 * before charts): after the body's content, so an email never carries an image nobody sees.
 */
export function placeImages(html: string, images: readonly InlineImage[]): string {
  const missing = images.filter((image) => !html.includes(`cid:${image.cid}`));
  if (missing.length === 0) return html;
  const tags = missing.map((image) => `<div style="margin:16px 0">${imageTag(image)}</div>`).join('');
  const end = html.lastIndexOf('</body>');
  return end === -1 ? html + tags : html.slice(0, end) + tags + html.slice(end);
}
