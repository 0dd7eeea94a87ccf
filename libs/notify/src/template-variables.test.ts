import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildContext } from './context';
import { TEMPLATE_VARIABLES } from './template-variables';
import { sampleAlert } from './template-sample';

const DOC = join(__dirname, '..', '..', '..', 'docs', 'templates.md');

// The rows of the table under "## Variables": | `name` | description |.
function documented(): Array<[string, string]> {
  const section = readFileSync(DOC, 'utf8').split('\n## Variables')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `([^`]+)` \| (.*) \|$/gm)].map((m) => [m[1] as string, (m[2] as string).replace(/\\\|/g, '|')]);
}

function leaves(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, v]) => (typeof v === 'object' && v !== null ? leaves(v as object, `${prefix}${key}.`) : [`${prefix}${key}`]));
}

describe('TEMPLATE_VARIABLES', () => {
  it('is the variable list of docs/templates.md, in its order and words', () => {
    expect(documented()).toEqual(Object.entries(TEMPLATE_VARIABLES));
  });

  it('names every leaf of the context buildContext builds', () => {
    expect(leaves(buildContext(sampleAlert())).sort()).toEqual(Object.keys(TEMPLATE_VARIABLES).sort());
  });
});
