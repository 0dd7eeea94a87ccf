#!/usr/bin/env node
import { runService } from '@callwatch/core';
import { startRecorder } from './service';

runService('recorder', () => startRecorder());
