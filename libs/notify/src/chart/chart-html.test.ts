import type { AlertEvent, Template } from '@callwatch/schemas';
import type { InlineImage } from '../channels/channel';
import { buildContext } from '../context';
import { renderNotification } from '../render';
import { STOCK_TEMPLATES } from '../stock-templates';
import { placeImages, withChart } from './chart-html';

const alert: AlertEvent = {
  event_id: 'evt-1', type: 'fired', rule_id: 'r', rule_title: 'Low ASR', entity: 'customer:acme', area: 'asr', value: 28, threshold: 30,
  reset_threshold: null, operator: '<=', level: 'warning', sample_period_ms: 900_000, at_ms: Date.UTC(2024, 4, 1, 14, 5), first_fired_at_ms: Date.UTC(2024, 4, 1, 14, 5), test: false,
};
const chart: InlineImage = { cid: 'chart@callwatch', png: Buffer.alloc(1), alt: 'ASR for <b>"ACME"</b> falls', width: 640, height: 280 };

describe('charts in templates', () => {
  it('shows the chart in every stock threshold template, its alt text escaped, and says it in the text part', () => {
    for (const id of ['asr', 'balance', 'default', 'report']) {
      const out = renderNotification(STOCK_TEMPLATES[id] as Template, withChart(buildContext(alert), [chart]));
      expect(out.html).toContain('<img src="cid:chart@callwatch" alt="ASR for &lt;b&gt;&quot;ACME&quot;&lt;/b&gt; falls" width="640"');
      expect(out.text).toContain('Chart: ASR for <b>"ACME"</b> falls');
    }
  });

  it('leaves the chart out of an email without one', () => {
    const out = renderNotification(STOCK_TEMPLATES.asr as Template, buildContext(alert));
    expect(out.html).not.toContain('cid:');
    expect(out.text).not.toContain('Chart:');
  });

  it('appends an image the html does not show before </body>, and leaves one it shows where the template put it', () => {
    expect(placeImages('<html><body><p>hi</p></body></html>', [chart])).toBe(
      '<html><body><p>hi</p><div style="margin:16px 0"><img src="cid:chart@callwatch" alt="ASR for &#60;b&#62;&#34;ACME&#34;&#60;/b&#62; falls" width="640" height="280" style="display:block;max-width:100%;height:auto;border:0"></div></body></html>',
    );
    const placed = '<p><img src="cid:chart@callwatch"></p>';
    expect(placeImages(placed, [chart])).toBe(placed);
    expect(placeImages('<p>no images</p>', [])).toBe('<p>no images</p>');
  });
});
