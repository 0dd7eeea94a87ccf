#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { CallwatchError, createLogger, routeLogs, watchParent } from '@callwatch/core';
import { cliLogSink } from './cli-log';
import { contextFilePath, contextNotice, resolveContext, type ContextFlags } from './context';
import { callwatchProgram } from './program';

// The repository the CLI was built in (scripts/dist/cli.js), where the demo writes its context and the CLI its log.
const root = join(__dirname, '..', '..');
const repositoryRoot = existsSync(join(root, 'package.json')) && existsSync(join(root, 'scripts', 'package.json')) ? root : null;
const dim = (line: string) => (process.stderr.isTTY ? `\x1b[2m${line}\x1b[0m` : line);

// KafkaJS's and the libraries' JSON log lines go to a file; an error among them becomes one human line on stderr.
routeLogs(cliLogSink(repositoryRoot === null ? null : join(root, '.run', 'logs', 'cli.log'), (line) => void process.stderr.write(`${line}\n`)));

// Started by the demo (`simulate`, `alerts tail`): stop like its services when the demo is killed.
watchParent(createLogger('cli'), process.env.CALLWATCH_PARENT_PID);

const program = callwatchProgram();
// The context is read here, at the CLI's entry, and nowhere else: library functions take an explicit env.
program.hook('preAction', () => {
  const flags = program.opts<ContextFlags>();
  const context = resolveContext(flags, process.env, contextFilePath(process.env, repositoryRoot));
  Object.assign(process.env, context.env);
  const notice = contextNotice(context, process.cwd());
  if (notice !== null) process.stderr.write(`${dim(notice)}\n`);
});

program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0), // a command may set exitCode (rules diff --exit-code)
  (err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    const message = err instanceof CallwatchError ? `${err.code}: ${err.message}` : (err as Error).message;
    process.stderr.write(`callwatch: ${message}\n`);
    process.exit(err instanceof CallwatchError && err.code === 'CW_ERR_CLI_USAGE' ? 2 : 1);
  },
);
