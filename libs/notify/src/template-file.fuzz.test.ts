import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAccepted, checkPlacedProblems, fuzz, fuzzTimeoutMs, mutateText, type Rng } from '@callwatch/core/testing';
import { invalidFields, type Template } from '@callwatch/schemas';
import { STOCK_TEMPLATES } from './stock-templates';
import { validateTemplateFiles, type TemplateFileText } from './template-file';
import { templateEquals, templateToFile } from './template-text';

const opts = { appliedBy: 'fuzz', now: 1_700_000_000_000, maxSmsSegments: 2 };

// The example of templates/examples (variants included) and two stock templates as files, one of them as JSON.
const SEEDS = [
  readFileSync(join(__dirname, '..', '..', '..', 'templates', 'examples', 'low-asr-mail.yaml'), 'utf8'),
  JSON.stringify(templateToFile({ ...(STOCK_TEMPLATES.asr as Template), id: 'my-asr' }), null, 2),
  `id: tiny
subject: "{{rule.title}}"
mjml: "<mjml><mj-body><mj-section><mj-column><mj-text>{{entity.name}}</mj-text><mj-image src=\\"cid:{{chart.cid}}\\" alt=\\"{{chart.alt}}\\" /></mj-column></mj-section></mj-body></mjml>"
text: "{{#if hasValue}}{{value}}{{else}}n/a{{/if}}"
sms: "{{#each entity}}{{this}}{{/each}}"
variants: [ { type: reset, level: info, sms: "ok" } ]
`,
];

describe('template files under hostile edits (fuzz)', () => {
  it('load into valid templates or problems naming file, line and field; never throw or hang', async () => {
    await fuzz({
      name: 'template files',
      // Each case compiles MJML and renders samples: far slower than rules.
      cases: 120,
      generate: (rng: Rng): TemplateFileText => ({ path: 'templates/fuzz.yaml', text: mutateText(rng, rng.pick(SEEDS)) }),
      show: (file) => JSON.stringify(file.text),
      check: (file) => {
        const { templates, errors, warnings } = validateTemplateFiles([file], opts);
        checkPlacedProblems(errors, file, 'templates');
        checkPlacedProblems(warnings, file, 'templates');
        for (const template of templates) {
          checkAccepted(`template ${template.id}`, template, invalidFields('template', template), () => {
            const again = validateTemplateFiles([{ path: 'export.json', text: JSON.stringify(templateToFile(template)) }], opts);
            return { items: again.templates, errors: again.errors };
          }, templateEquals);
        }
      },
    });
  }, fuzzTimeoutMs(60_000));
});
