// Lint rules that keep the monorepo's shape: no import cycles, packages used only through their exports, and services
// as leaves: nothing imports a service but its own main and tests.
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

const SERVICES = ['aggregator', 'evaluator', 'notifier', 'enforcer', 'recorder', 'console'];

const PACKAGE_PATTERNS = [
  { group: ['@callwatch/*/src', '@callwatch/*/src/*', '@callwatch/*/dist/*'], message: 'use the package through its exports, never its src/ or dist/' },
  { group: ['../../*/src/*', '../../../*/src/*', '../../libs/*', '../../services/*'], message: 'import other packages by name (@callwatch/x), not by relative path' },
];

// Services other than `own` (all of them when it is null): what a file may not import.
const servicesBut = (own) => ({
  group: SERVICES.filter((s) => s !== own).map((s) => `@callwatch/${s}`),
  message: 'a service is a leaf: only its own main and the tests start it. Move what you need from it into a library under libs/',
});

const restrict = (...extra) => ['error', { patterns: [...PACKAGE_PATTERNS, ...extra] }];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.cache/**', '.run/**', 'schemas/src/generated.ts', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { import: importPlugin },
    settings: {
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
    },
    rules: {
      'import/no-cycle': ['error', { maxDepth: 10 }],
      'no-restricted-imports': restrict(servicesBut(null)),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // A service's own files may import nothing of another service.
  ...SERVICES.map((service) => ({ files: [`services/${service}/**/*.ts`], rules: { 'no-restricted-imports': restrict(servicesBut(service)) } })),
  // The console does what the CLI does through the libraries they share, never through the CLI.
  {
    files: ['services/console/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(servicesBut('console'), { group: ['@callwatch/cli'], message: 'the console may not import the CLI: move what both need into a library under libs/' }) },
  },
  // The integration tests and benchmarks start the services.
  { files: ['test/**/*.ts'], rules: { 'no-restricted-imports': restrict() } },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
