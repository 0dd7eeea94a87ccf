#!/usr/bin/env node
import { loadConfig, runService } from '@callwatch/core';
import { AGGREGATOR_ENV } from './config';
import { startAggregators } from './workers';

runService('aggregator', () => startAggregators(loadConfig(AGGREGATOR_ENV)));
