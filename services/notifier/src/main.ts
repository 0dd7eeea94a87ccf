#!/usr/bin/env node
import { runService } from '@callwatch/core';
import { startNotifier } from './service';

runService('notifier', () => startNotifier());
