#!/usr/bin/env node
import { createLogger, onShutdown } from '@callwatch/core';
import { startEvaluator } from './service';

const log = createLogger('evaluator');
startEvaluator().then(
  (evaluator) => onShutdown(log, [{ name: 'evaluator', close: evaluator.stop }]),
  (err: Error) => {
    log.fatal({ err }, err.message);
    process.exit(1);
  },
);
