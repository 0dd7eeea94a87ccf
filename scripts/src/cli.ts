#!/usr/bin/env node
import { CommanderError } from 'commander';
import { CallwatchError } from '@callwatch/core';
import { callwatchProgram } from './program';

const program = callwatchProgram();

program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0), // a command may set exitCode (rules diff --exit-code)
  (err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    const message = err instanceof CallwatchError ? `${err.code}: ${err.message}` : (err as Error).message;
    process.stderr.write(`callwatch: ${message}\n`);
    process.exit(err instanceof CallwatchError && err.code === 'CW_ERR_CLI_USAGE' ? 2 : 1);
  },
);
