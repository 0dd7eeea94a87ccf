import type { EnvSpec } from './config';
import { formatDuration } from './durations';

/** ConfigSection is one part of the configuration reference: a title, what it is, and its variables. */
export interface ConfigSection {
  title: string;
  intro: string;
  specs: Record<string, EnvSpec<unknown>>;
  /** variables documented in an earlier section, left out of this one's table */
  shared?: Record<string, EnvSpec<unknown>>;
}

/**
 * configurationMarkdown renders the configuration reference (docs/configuration.md) from the services' env specs, so
 * that it cannot drift from what the services read: one table per section, every variable with its default and
 * what it is for.
 */
export function configurationMarkdown(sections: readonly ConfigSection[], preface: string): string {
  const out = ['# Configuration', '', '<!-- Generated from the services\' *_ENV specs by `npm run docs:configuration`; do not edit by hand. -->', '', preface.trim(), ''];
  for (const { title, intro, specs, shared = {} } of sections) {
    out.push(`## ${title}`, '', intro.trim(), '', '| variable | default | meaning |', '|---|---|---|');
    for (const [name, spec] of Object.entries(specs)) {
      if (name in shared) continue;
      const doc = spec.secret ? `${spec.doc} (secret: never logged or shown)` : spec.doc;
      out.push(`| \`${name}\` | ${formatDefault(name, spec.default)} | ${escapeCell(doc)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

function formatDefault(name: string, value: unknown): string {
  if (value === undefined) return '(required)';
  if (value === '' || (Array.isArray(value) && value.length === 0)) return '(empty)';
  if (Array.isArray(value)) return `\`${value.map((v) => (typeof v === 'number' && /(_MS|PERIODS)$/.test(name) ? formatDuration(v) : String(v))).join(',')}\``;
  if (typeof value === 'number' && name.endsWith('_MS') && value > 0) return `\`${value}\` (${formatDuration(value)})`;
  if (typeof value === 'number' && name.endsWith('_BYTES') && value >= 1024 * 1024 && value % (1024 * 1024) === 0) return `\`${value}\` (${value / (1024 * 1024)} MiB)`;
  return `\`${String(value)}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
