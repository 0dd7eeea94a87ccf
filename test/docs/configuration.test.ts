import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGGREGATOR_ENV } from '@callwatch/aggregator';
import { CLICKHOUSE_ENV } from '@callwatch/clickhouse';
import { CONSOLE_ENV } from '@callwatch/console';
import { COMMON_ENV, configurationMarkdown } from '@callwatch/core';
import { ENFORCER_ENV } from '@callwatch/enforcer';
import { EVALUATOR_ENV } from '@callwatch/evaluator';
import { NOTIFIER_ENV } from '@callwatch/notifier';
import { NOTIFY_ENV } from '@callwatch/notify';
import { RECORDER_ENV } from '@callwatch/recorder';

const FILE = join(__dirname, '..', '..', 'docs', 'configuration.md');

// RECORDER_RETENTION's default names no table (each keeps its migration's retention): shown empty, as one would set it.
const RECORDER_SPECS = { ...RECORDER_ENV, RECORDER_RETENTION: { ...RECORDER_ENV.RECORDER_RETENTION, default: '' } };

const PREFACE = `
Every service reads its configuration once at start, from the environment; a missing or bad value stops it with one
message that names every variable in question (error \`CW_ERR_CONFIG\`). A duration's default is shown in
milliseconds with its reading beside it; where a variable also takes a unit (\`30s\`, \`5m\`, \`1h\`), its meaning says so.
Sizes take bytes or \`KiB\`/\`MiB\`/\`GiB\`.
The \`callwatch\` CLI reads the settings every service reads (the first table); \`npx callwatch rules test --send\` also
reads the notifier's channel settings (\`NOTIFY_*\`, \`AWS_*\`, \`WEBHOOK_SECRET\`, \`PUSHOVER_*\`). \`bash infra/bin/infra env\` prints the
values for the local infrastructure (see [infra/README.md](../infra/README.md)).
`;

// The console's settings that other sections already describe; its RECORDER_URL differs (empty: no history).
const { RECORDER_URL: _recorderUrl, ...CLICKHOUSE_SHARED } = CLICKHOUSE_ENV;
const CONSOLE_SHARED = { ...COMMON_ENV, ...NOTIFY_ENV, ...CLICKHOUSE_SHARED };

function reference(): string {
  return configurationMarkdown([
    { title: 'Every service and the CLI', intro: 'Where Kafka, the schema registry and Redis are, prefixes that keep deployments apart, and each process\'s own metrics server.', specs: COMMON_ENV },
    { title: 'Aggregator', intro: '`node services/aggregator/dist/main.js`: windows per entity in Redis, metric snapshots out.', specs: AGGREGATOR_ENV, shared: COMMON_ENV },
    { title: 'Evaluator', intro: '`node services/evaluator/dist/main.js`: rules over metric snapshots, deadlines, event rules and reports; alert events out.', specs: EVALUATOR_ENV, shared: COMMON_ENV },
    { title: 'Notifier', intro: '`node services/notifier/dist/main.js`: alert events to email, SMS, webhooks, Slack, Pushover or the outbox ([channels](channels.md)).', specs: NOTIFIER_ENV, shared: COMMON_ENV },
    { title: 'Enforcer', intro: '`node services/enforcer/dist/main.js`: penalties (disable, then enable) from fired alerts, and the action webhook that posts them to switches ([operations](operations.md#penalties-that-reach-the-switch)).', specs: ENFORCER_ENV, shared: COMMON_ENV },
    { title: 'Recorder', intro: '`node services/recorder/dist/main.js`: every recorded topic into the history in ClickHouse ([history](history.md)). The CLI\'s history commands read `CLICKHOUSE_*` and `RECORDER_URL` too.', specs: RECORDER_SPECS, shared: COMMON_ENV },
    {
      title: 'Console',
      intro: '`node services/console/dist/main.js`: the web console and its API ([console](console.md)). Its history comes from `RECORDER_URL` or `CLICKHOUSE_*` (as above); a test notification goes out through the notifier\'s channel settings (`NOTIFY_*`, `AWS_*`, `WEBHOOK_SECRET`, `PUSHOVER_*`).',
      specs: CONSOLE_ENV,
      shared: CONSOLE_SHARED,
    },
  ], PREFACE);
}

describe('docs/configuration.md', () => {
  it('is the reference generated from the services\' env specs (npm run docs:configuration writes it)', () => {
    const generated = reference();
    if (process.env.UPDATE_DOCS === '1') writeFileSync(FILE, generated);
    expect(readFileSync(FILE, 'utf8')).toBe(generated);
  });
});
