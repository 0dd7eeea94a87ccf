#!/usr/bin/env node
import { runService } from '@callwatch/core';
import { startEnforcer } from './service';

runService('enforcer', () => startEnforcer());
