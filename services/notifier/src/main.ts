#!/usr/bin/env node
import { createLogger, onShutdown } from '@callwatch/core';
import { startNotifier } from './service';

const log = createLogger('notifier');
startNotifier().then(
  (notifier) => onShutdown(log, [{ name: 'notifier', close: notifier.stop }]),
  (err: Error) => {
    log.fatal({ err }, err.message);
    process.exit(1);
  },
);
