#!/usr/bin/env node
import { runService } from '@callwatch/core';
import { startAggregator } from './service';

runService('aggregator', () => startAggregator());
