import { execFile } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const eslint = join(root, 'node_modules', '.bin', 'eslint');

// Lints one line as if it were the given file of the repository, with the repository's own configuration (the real
// eslint command: its flat config is an ES module, which jest's module system cannot load in process).
function problems(filePath: string, code: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(eslint, ['--format', 'json', '--stdin', '--stdin-filename', filePath], { cwd: root }, (err, stdout) => {
      // eslint exits 1 when it found problems: its report is still on stdout.
      if (err && (err as { code?: number }).code !== 1) return reject(err);
      const [result] = JSON.parse(stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
      resolve((result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
    });
    child.stdin?.end(`${code}\nexport const used = x;\n`);
  });
}

describe('services are leaves (eslint.config.mjs)', () => {
  it.each([
    ['the CLI', 'scripts/src/commands/new-command.ts', "import { x } from '@callwatch/aggregator';"],
    ['a library', 'libs/rules/src/new-module.ts', "import { x } from '@callwatch/evaluator';"],
    ['another service', 'services/notifier/src/new-stage.ts', "import { x } from '@callwatch/enforcer';"],
    ['the CLI (the recorder)', 'scripts/src/commands/new-command.ts', "import { x } from '@callwatch/recorder';"],
    ['the recorder (the aggregator)', 'services/recorder/src/new-stage.ts', "import { x } from '@callwatch/aggregator';"],
  ])('refuses an import of a service from %s', async (_who, file, code) => {
    expect(await problems(file, code)).toEqual([expect.stringMatching(/^'@callwatch\/\w+' import is restricted .*a service is a leaf/)]);
  });

  it('refuses an import of the CLI from the console', async () => {
    expect(await problems('services/console/src/new-route.ts', "import { x } from '@callwatch/cli';")).toEqual([expect.stringMatching(/the console may not import the CLI/)]);
  });

  it.each([
    ['a service, of a library', 'services/aggregator/src/new-stage.ts', "import { x } from '@callwatch/windows';"],
    ['a test, of a service', 'test/aggregator/new.test.ts', "import { x } from '@callwatch/aggregator';"],
    ['the recorder, of the ClickHouse library', 'services/recorder/src/new-stage.ts', "import { x } from '@callwatch/clickhouse';"],
    ['the CLI, of the ClickHouse library', 'scripts/src/commands/new-command.ts', "import { x } from '@callwatch/clickhouse';"],
    ['a test, of the recorder', 'test/recorder/new.test.ts', "import { x } from '@callwatch/recorder';"],
  ])('allows %s', async (_who, file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
