import { createLogger } from '@callwatch/core';
import { CompactedTable, connect } from '@callwatch/kafka';
import { STOCK_TEMPLATES } from '@callwatch/notify';
import type { RuleFileText } from '@callwatch/rules';
import { parseAllDocuments } from 'yaml';
import { cliConfig } from '../env';
import { maxSmsSegments, validateTemplatePaths } from './template-files';

/** RuleTemplateOptions say which templates rule files may name besides the stock ones. */
export interface RuleTemplateOptions {
  /** template files given in the same run (`--templates`); validated, and their ids known */
  templatePaths?: string[];
  /** accept any template id: for commands that never render (replay) */
  anyTemplate?: boolean;
  env?: NodeJS.ProcessEnv;
  /** where warnings about the template files go */
  warn?: (line: string) => void;
}

/** namedTemplates lists the template ids the rules of some rule files name (their `template` fields), without validating them. */
export function namedTemplates(files: readonly RuleFileText[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const docs = parseAllDocuments(file.text);
    for (const doc of Array.isArray(docs) ? docs : []) {
      let value: unknown;
      try {
        value = doc.toJS();
      } catch {
        continue; // validation reports it
      }
      for (const rule of Array.isArray(value) ? value : [value]) {
        const template = (rule as { template?: unknown } | null)?.template;
        if (typeof template === 'string') names.add(template);
      }
    }
  }
  return names;
}

async function liveTemplateIds(env: NodeJS.ProcessEnv): Promise<string[]> {
  const connection = await connect(cliConfig(env), 'callwatch-cli', ['template']);
  const table = new CompactedTable({ ...connection, log: createLogger('cli', 'warn'), topic: connection.topics.template, schema: 'template', groupPrefix: 'callwatch-cli' });
  try {
    await table.start();
    return [...table.view().keys()];
  } finally {
    await table.stop();
    await connection.close();
  }
}

/**
 * knownTemplates is the set of template ids rule files may name: the stock templates, those of the template files
 * given, and, only when the rules name one of neither (so `rules validate` stays offline otherwise), those on the
 * template topic.
 */
export async function knownTemplates(files: readonly RuleFileText[], opts: RuleTemplateOptions = {}): Promise<Set<string>> {
  const { templatePaths = [], env = process.env, warn = (line: string) => void process.stderr.write(`${line}\n`) } = opts;
  const known = new Set(Object.keys(STOCK_TEMPLATES));
  if (templatePaths.length > 0) {
    const templates = await validateTemplatePaths(templatePaths, { appliedBy: 'rules', maxSmsSegments: maxSmsSegments(env), warn });
    for (const t of templates) known.add(t.id);
  }
  const named = namedTemplates(files);
  if (opts.anyTemplate) return new Set([...known, ...named]);
  if ([...named].every((id) => known.has(id))) return known;
  for (const id of await liveTemplateIds(env)) known.add(id);
  return known;
}
