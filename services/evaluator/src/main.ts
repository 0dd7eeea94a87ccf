#!/usr/bin/env node
import { runService } from '@callwatch/core';
import { startEvaluator } from './service';

runService('evaluator', () => startEvaluator());
