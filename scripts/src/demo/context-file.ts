/** DEMO_CONTEXT_KEYS are the variables the demo writes to its context file: every one the CLI needs to reach the run. */
export const DEMO_CONTEXT_KEYS = [
  'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL', 'TOPIC_PREFIX', 'REDIS_KEY_PREFIX', 'RECORDER_URL', 'CONSOLE_URL',
  'NOTIFY_OUTBOX_DIR', 'CLICKHOUSE_PATH',
] as const;

/**
 * demoContextFile renders the context file (`.run/demo.env`): `export KEY='value'` lines, which the CLI reads and a
 * shell can source. A value holding a single quote is written in double quotes, as parseEnvFile reads them.
 */
export function demoContextFile(run: string, values: Partial<Record<string, string>>, now: number): string {
  const quote = (value: string) => (value.includes("'") ? `"${value.replace(/(["\\])/g, '\\$1')}"` : `'${value}'`);
  return [
    `# callwatch demo run ${run}, started ${new Date(now).toISOString()} by npm start.`,
    '# The callwatch CLI reads this file when it exists (CALLWATCH_CONTEXT=none ignores it); flags and the environment win.',
    ...DEMO_CONTEXT_KEYS.flatMap((key) => (values[key] === undefined ? [] : [`export ${key}=${quote(values[key] as string)}`])),
    '',
  ].join('\n');
}
