import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { entityKey, loadConfig } from '@callwatch/core';
import { AGGREGATOR_ENV, startAggregator, type Aggregator } from '@callwatch/aggregator';
import { addSilence, applyRules } from '@callwatch/cli';
import { CONSOLE_ENV, startConsole, type Console } from '@callwatch/console';
import { EVALUATOR_ENV, startEvaluator, type Evaluator } from '@callwatch/evaluator';
import { connect, type Connection } from '@callwatch/kafka';
import { NOTIFIER_ENV, startNotifier, type Notifier } from '@callwatch/notifier';
import type { Notification } from '@callwatch/schemas';
import { computedStyle, launchBrowser, openPage, screenshot } from '../support/browser';
import { cdrs } from '../support/cdrs';
import { collect, eventually, testScope, type TestScope } from '../support/harness';
import { emailsTo } from '../support/moto';

// The console as a person sees it in a real browser (Debian's chromium driven by playwright-core), over the real
// services: CDRs in, an alert on the page; a silence added through the form, the next notification muted; an entity's
// charts; and a console without API_TOKEN that shows no write controls. Screenshots go to test/artifacts/console/.

// Waits are on visible text and generous: the machine is small and shared, and the evaluator judges within seconds.
const SEE_MS = 60_000;
// --warning in app.css.
const WARNING_AMBER = 'rgb(183, 121, 31)';

describe('the console in a browser', () => {
  let scope: TestScope;
  let aggregator: Aggregator;
  let evaluator: Evaluator;
  let notifier: Notifier;
  let writable: Console;
  let readOnly: Console;
  let switches: Connection;
  let browser: Browser;
  let token: string;
  let ruleId: string;
  let noc: string;
  const ruleTitle = 'Low ASR Warning';
  const customer = (name: string) => `${name}-${scope.id}`;
  const entity = (name: string) => entityKey('customer', customer(name));
  const send = (name: string, attempts: number, answered: number) =>
    switches.publisher.publish(switches.topics.cdr, 'cdr', cdrs(customer(name), attempts, answered).map((c) => ({ key: entity(name), value: c })));
  const pages: Page[] = [];
  let scriptErrors: string[] = [];
  const page = async (): Promise<Page> => {
    const opened = await openPage(browser);
    pages.push(opened.page);
    scriptErrors = opened.errors;
    return opened.page;
  };

  beforeAll(async () => {
    token = `console-ui-token-${Date.now()}`;
    scope = await testScope('console', { AGGREGATOR_PERIODS: '5m', NOTIFY_EMAIL_FROM: 'alerts@callwatch.test', CONSOLE_PORT: '0' });
    noc = `noc+${scope.id}@example.net`;
    ruleId = `low-asr-${scope.id}`;
    const dir = mkdtempSync(join(tmpdir(), 'callwatch-rules-'));
    writeFileSync(join(dir, 'low-asr.yaml'), [
      `id: ${ruleId}`, `title: ${ruleTitle}`, 'scope: { all: customers }', 'area: asr', 'operator: "<="', 'threshold: 30',
      'reset_threshold: 31', 'sample_period: 5m', 'min_attempts: 20', 'level: warning', `notify: [ { email: "${noc}" } ]`,
    ].join('\n'));
    await applyRules([dir], { env: scope.env, appliedBy: 'console-browser-test', print: () => {} });
    // Together, as compose starts them: each registers the same new subjects at the same moment.
    [aggregator, evaluator, notifier] = await Promise.all([
      startAggregator(loadConfig(AGGREGATOR_ENV, scope.env)),
      startEvaluator(loadConfig(EVALUATOR_ENV, scope.env)),
      startNotifier(loadConfig(NOTIFIER_ENV, scope.env)),
    ]);
    writable = await startConsole(loadConfig(CONSOLE_ENV, { ...scope.env, API_TOKEN: token }));
    readOnly = await startConsole(loadConfig(CONSOLE_ENV, { ...scope.env, API_TOKEN: '', API_TOKEN_FILE: '' }));
    browser = await launchBrowser();
    switches = await connect(loadConfig(AGGREGATOR_ENV, scope.env), `${scope.id}-switch`, ['cdr']);
    await eventually(async () => expect(evaluator.rules.get(ruleId)).toBeDefined());
  });

  // Whatever a test saw, the page's own code must not have thrown on the way.
  afterEach(() => expect(scriptErrors).toEqual([]));

  afterAll(async () => {
    await Promise.all(pages.map((p) => p.close().catch(() => {})));
    await browser?.close();
    await switches?.close();
    await Promise.all([writable?.stop(), readOnly?.stop(), aggregator?.stop(), evaluator?.stop(), notifier?.stop()]);
  });

  it('shows a firing alert within seconds of the CDRs that cause it, live, without reloading the page', async () => {
    const p = await page();
    await p.goto(`${writable.url}#/`);
    await p.getByText('Nothing is firing').waitFor({ timeout: SEE_MS });
    await p.locator('#live-status', { hasText: 'live' }).waitFor({ timeout: SEE_MS });
    // A marker on the window: gone if anything reloaded the page, so the row below must come from the event stream.
    await p.evaluate('window.sameDocument = true');

    // 20 calls, 4 answered: ASR 20 % fires the rule (≤ 30 %).
    await send('acme', 20, 4);
    const row = p.locator(`tr.alert-row[data-entity="${entity('acme')}"]`);
    await row.getByText(ruleTitle).waitFor({ timeout: SEE_MS });
    await expect(p.evaluate('window.sameDocument')).resolves.toBe(true);
    await expect(row.getAttribute('data-level')).resolves.toBe('warning');
    // The level's colour: the warning amber of app.css on the row's edge and its badge, with the word beside it.
    const badge = row.locator('.badge').first();
    await expect(computedStyle(row.locator('td').first(), 'borderLeftColor')).resolves.toBe(WARNING_AMBER);
    await expect(computedStyle(badge, 'backgroundColor')).resolves.toBe(WARNING_AMBER);
    await expect(badge.innerText()).resolves.toBe('warning');
    await expect(row.innerText()).resolves.toMatch(/20\.0 %[\s\S]*ASR ≤ 30\.0 %[\s\S]*resets above 31\.0 %/);
    // The entity is listed with its live ASR, as the closest to firing.
    await p.locator(`table.entities tr[data-entity="${entity('acme')}"] .metric-value`, { hasText: '20.0 %' }).waitFor({ timeout: SEE_MS });
    await screenshot(p, 'overview');
  });

  it('shows an entity page with a chart of every area, its windows and the state of its rules', async () => {
    const p = await page();
    await p.goto(`${writable.url}#/entity/${encodeURIComponent(entity('acme'))}`);
    const asr = p.locator('figure[data-area="asr"]');
    await asr.waitFor({ timeout: SEE_MS });
    // The chart's text alternative says what a sighted user reads off it, and the threshold is drawn on it.
    await expect(asr.locator('svg').getAttribute('aria-label')).resolves.toMatch(/^ASR from \d\d:\d\d to \d\d:\d\d; latest 20\.0 %.*Low ASR Warning fires at ≤ 30\.0 %/);
    await expect(asr.locator('svg path.series').count()).resolves.toBeGreaterThan(0);
    await expect(asr.locator('svg line.threshold.level-warning').count()).resolves.toBe(1);
    await expect(asr.locator('figcaption').innerText()).resolves.toMatch(/ASR\s+20\.0 %/);
    for (const area of ['acd', 'pdd', 'attempts']) await expect(p.locator(`figure[data-area="${area}"] svg path.series`).count()).resolves.toBeGreaterThan(0);
    await expect(p.locator('table.windows tbody tr', { hasText: '5m' }).innerText()).resolves.toMatch(/^5m\s+20\.0 %/);
    const rule = p.locator(`table.entity-rules tr[data-rule="${ruleId}"]`);
    await expect(rule.getAttribute('data-state')).resolves.toBe('firing');
    await expect(rule.innerText()).resolves.toContain('20.0 %');
    await p.locator('table.alerts tr[data-type="fired"]', { hasText: ruleTitle }).waitFor({ timeout: SEE_MS });
    await screenshot(p, 'entity');
  });

  it('mutes the next notification with a silence added through the form, after asking for the token once', async () => {
    const p = await page();
    await p.goto(`${writable.url}#/silences`);
    await p.getByText('No silences').waitFor({ timeout: SEE_MS });
    await p.getByLabel('Rule', { exact: true }).fill(ruleId);
    await p.getByLabel('Entity', { exact: true }).fill(entity('globex'));
    await p.getByLabel('Duration').fill('1h');
    await p.getByLabel('Comment').fill('carrier maintenance tonight');
    await p.getByRole('button', { name: 'Add silence' }).click();

    // A wrong token first: the console refuses it, and the page says so in the server's words and asks again.
    const dialog = p.getByRole('dialog', { name: 'API token' });
    await dialog.waitFor({ timeout: SEE_MS });
    await dialog.getByLabel('Token').fill('not-the-token-at-all');
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.getByText(/The console refused the token: .*\(HTTP 401\)/).waitFor({ timeout: SEE_MS });
    await dialog.getByLabel('Token').fill(token);
    await dialog.getByRole('button', { name: 'Send' }).click();
    const listed = p.locator('table.silences tbody tr', { hasText: entity('globex') });
    await listed.waitFor({ timeout: SEE_MS });
    await expect(listed.getAttribute('data-state')).resolves.toBe('active');
    await expect(listed.innerText()).resolves.toContain('carrier maintenance tonight');
    await screenshot(p, 'silences');

    // The notifier has it: globex's next alert is muted, and initech's, unsilenced, is emailed as before.
    await eventually(async () => expect([...notifier.silences.values()].some((s) => s.entity === entity('globex'))).toBe(true), { timeoutMs: SEE_MS });
    await send('globex', 20, 4);
    await send('initech', 20, 4);
    const about = (name: string) => (n: Notification) => n.entity === entity(name) && n.rule_id === ruleId;
    const records = (await collect(scope, scope.topics.notification, 'notification',
      (m) => m.some((n) => about('globex')(n.value)) && m.some((n) => about('initech')(n.value) && n.value.status === 'sent'), { timeoutMs: SEE_MS }))
      .map((m) => m.value);
    expect(records.filter(about('globex'))).toEqual([expect.objectContaining({ status: 'skipped', error: expect.stringMatching(/^silenced by /) })]);
    const emails = await eventually(async () => {
      const found = await emailsTo(noc);
      expect(found.some((m) => m.subject.includes(customer('initech')))).toBe(true);
      return found;
    }, { timeoutMs: SEE_MS });
    expect(emails.filter((m) => m.subject.includes(customer('globex')))).toEqual([]);

    // And the operator sees it: the delivery is listed as skipped, with the silence as its reason.
    await p.goto(`${writable.url}#/deliveries`);
    const skipped = p.locator(`table.deliveries tr[data-entity="${entity('globex')}"]`);
    await skipped.waitFor({ timeout: SEE_MS });
    await expect(skipped.getAttribute('data-status')).resolves.toBe('skipped');
    await expect(skipped.innerText()).resolves.toMatch(/silenced by /);
    await screenshot(p, 'deliveries');
  });

  it('hides every write control on a console started without API_TOKEN, and says how to allow them', async () => {
    // A silence added with the CLI: listed, but neither it nor the form can be acted on here.
    const silence = await addSilence({ entity: entity('hooli'), until: '2h', comment: 'read-only check' }, { env: scope.env, print: () => {}, by: 'carol' });
    const p = await page();
    await p.goto(`${readOnly.url}#/silences`);
    const note = p.getByText('read-only: start the console with API_TOKEN');
    await note.waitFor({ timeout: SEE_MS });
    await p.locator(`table.silences tr[data-silence="${silence.silence_id}"]`).waitFor({ timeout: SEE_MS });
    await expect(p.getByRole('button', { name: 'Expire', includeHidden: true }).count()).resolves.toBeGreaterThan(0);
    await expect(p.getByRole('button', { name: /Expire|Add silence/ }).filter({ visible: true }).count()).resolves.toBe(0);
    await expect(p.getByLabel('Comment').isVisible()).resolves.toBe(false);
    await p.goto(`${readOnly.url}#/rules`);
    await p.locator(`table.rules tr[data-rule="${ruleId}"]`).waitFor({ timeout: SEE_MS });
    await expect(p.getByRole('button', { name: /Disable|Enable/, includeHidden: true }).count()).resolves.toBeGreaterThan(0);
    await expect(p.getByRole('button', { name: /Disable|Enable/ }).filter({ visible: true }).count()).resolves.toBe(0);
    await expect(note.isVisible()).resolves.toBe(true);
    await screenshot(p, 'read-only');
  });
});
