// Integration and end-to-end tests against the real services that infra/ starts.
module.exports = {
  ...require('../jest.base.js'),
  displayName: 'integration',
  testMatch: ['<rootDir>/**/*.test.ts'],
  // test/docs is a project of its own: it needs no infrastructure.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/docs/'],
  globalSetup: '<rootDir>/support/global-setup.ts',
  globalTeardown: '<rootDir>/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/support/timeout.ts', '<rootDir>/support/quiet-logs.ts'],
};
