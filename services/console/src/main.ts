#!/usr/bin/env node
import { runService } from '@callwatch/core';
import { startConsole } from './service';

runService('console', () => startConsole());
