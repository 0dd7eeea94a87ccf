import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@callwatch/core';
import { actionWebhookSettings, checkActionTargets } from './action-webhook-settings';
import { ENFORCER_ENV } from './config';

const base = { KAFKA_BROKERS: '127.0.0.1:19092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081', REDIS_URL: 'redis://127.0.0.1:16379' };
const settings = (env: NodeJS.ProcessEnv) => actionWebhookSettings(loadConfig(ENFORCER_ENV, { ...base, ...env }));
const problems = (env: NodeJS.ProcessEnv): string[] => {
  try {
    settings(env);
  } catch (err) {
    return (err as { details: { problems: string[] } }).details.problems;
  }
  return [];
};

describe('actionWebhookSettings', () => {
  it('is off without a URL', () => {
    expect(settings({})).toBeNull();
  });

  it('reads one URL or several, with the secret inline or from a file without its final newline', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'callwatch-secret-')), 'secret');
    writeFileSync(file, 'from-file\n');
    expect(settings({ ACTION_WEBHOOK_URL: 'https://sw1.example/a, https://sw2.example/a', ACTION_WEBHOOK_SECRET: 'inline' })).toMatchObject({
      urls: ['https://sw1.example/a', 'https://sw2.example/a'], secret: 'inline', timeoutMs: 10_000, backoff: { initialDelayMs: 500, maxDelayMs: 30_000 }, concurrency: 4,
    });
    expect(settings({ ACTION_WEBHOOK_URL: 'https://sw1.example/a', ACTION_WEBHOOK_SECRET_FILE: file })).toMatchObject({ secret: 'from-file' });
  });

  it('names every problem at once', () => {
    expect(problems({ ACTION_WEBHOOK_URL: 'https://sw.example/a' })).toEqual([
      'ACTION_WEBHOOK_URL is set, but neither ACTION_WEBHOOK_SECRET nor ACTION_WEBHOOK_SECRET_FILE is: actions are never sent unsigned',
    ]);
    expect(problems({
      ACTION_WEBHOOK_URL: 'https://sw.example/a,https://sw.example/a', ACTION_WEBHOOK_SECRET: 's', ACTION_WEBHOOK_SECRET_FILE: '/nonexistent/secret',
      ACTION_WEBHOOK_RETRY_MIN_MS: '1m', ACTION_WEBHOOK_RETRY_MAX_MS: '30s',
    })).toEqual([
      'ACTION_WEBHOOK_SECRET and ACTION_WEBHOOK_SECRET_FILE are both set: set one of them',
      expect.stringMatching(/^ACTION_WEBHOOK_SECRET_FILE: cannot read \/nonexistent\/secret: ENOENT/) as unknown,
      'ACTION_WEBHOOK_RETRY_MIN_MS (60000) must be above 0 and at most ACTION_WEBHOOK_RETRY_MAX_MS (30000)',
      'ACTION_WEBHOOK_URL names https://sw.example/a more than once',
    ]);
  });

  it('refuses a URL that is not http(s), without showing its credentials', () => {
    expect(() => settings({ ACTION_WEBHOOK_URL: 'ftp://user:pw@sw.example/a', ACTION_WEBHOOK_SECRET: 's' })).toThrow(/ACTION_WEBHOOK_URL: expected http\(s\) URLs separated by commas, got "ftp:\/\/user:\*\*\*@sw\.example\/a"/);
  });
});

describe('checkActionTargets', () => {
  it('refuses a loopback or private switch unless NOTIFY_ALLOW_TARGETS allows it, as the notifier does', async () => {
    const refused = settings({ ACTION_WEBHOOK_URL: 'http://127.0.0.1:9/a,http://10.1.2.3/a', ACTION_WEBHOOK_SECRET: 's' });
    await expect(checkActionTargets(refused!)).rejects.toMatchObject({
      code: 'CW_ERR_CONFIG',
      details: { problems: [
        'ACTION_WEBHOOK_URL: webhook: refused to notify 127.0.0.1:9: it resolves to 127.0.0.1, a loopback address (allow it with NOTIFY_ALLOW_TARGETS)',
        'ACTION_WEBHOOK_URL: webhook: refused to notify 10.1.2.3: it resolves to 10.1.2.3, a private (RFC 1918) address (allow it with NOTIFY_ALLOW_TARGETS)',
      ] },
    });
    const allowed = settings({ ACTION_WEBHOOK_URL: 'http://127.0.0.1:9/a,http://10.1.2.3/a', ACTION_WEBHOOK_SECRET: 's', NOTIFY_ALLOW_TARGETS: '127.0.0.1,10.0.0.0/8' });
    await expect(checkActionTargets(allowed!)).resolves.toEqual([]);
  });
});
