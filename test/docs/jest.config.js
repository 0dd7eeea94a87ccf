// Checks that the generated docs are current; `npm run docs:configuration` writes them (UPDATE_DOCS=1).
module.exports = { ...require('../../jest.base.js'), displayName: 'docs', testMatch: ['<rootDir>/*.test.ts'] };
