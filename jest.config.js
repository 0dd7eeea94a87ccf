// Every package's unit tests plus the integration tests, in one run with one summary (`npm test`).
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const packages = ['libs', 'services']
  .flatMap((dir) => readdirSync(join(__dirname, dir)).map((name) => join(dir, name)))
  .concat(['schemas', 'scripts'])
  .filter((dir) => existsSync(join(__dirname, dir, 'jest.config.js')));

/** @type {import('jest').Config} */
module.exports = {
  projects: [...packages.map((dir) => `<rootDir>/${dir}`), '<rootDir>/test', '<rootDir>/test/docs'],
};
