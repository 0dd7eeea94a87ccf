// Shared jest configuration; every package's jest.config.js spreads it.
// ts-jest only transpiles (isolatedModules in tsconfig.base.json); type checking is `tsc -b`'s job in the build.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  clearMocks: true,
};
