#!/usr/bin/env node
// `npx callwatch …`: runs the built CLI (scripts/dist/cli.js), building it first when a fresh clone has none, so the
// command works right after `npm ci`. Plain JavaScript on purpose: it must run before anything is compiled.
'use strict';
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const cli = join(__dirname, '..', 'dist', 'cli.js');

if (!existsSync(cli)) {
  process.stderr.write('callwatch: building the CLI and the libraries it uses (the first call after a fresh install; about a minute)…\n');
  const build = spawnSync('npx', ['turbo', 'run', 'build', '--filter=@callwatch/cli...', '--output-logs=errors-only'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
  if (build.status !== 0 || !existsSync(cli)) {
    process.stderr.write('callwatch: the build failed (see above); run `npm run build` in the repository for the whole output\n');
    process.exit(1);
  }
}
require(cli);
