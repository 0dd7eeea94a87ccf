#!/usr/bin/env node
import { createLogger, onShutdown } from '@callwatch/core';
import { startAggregator } from './service';

const log = createLogger('aggregator');
startAggregator().then(
  (aggregator) => onShutdown(log, [{ name: 'aggregator', close: aggregator.stop }]),
  (err: Error) => {
    log.fatal({ err }, err.message);
    process.exit(1);
  },
);
