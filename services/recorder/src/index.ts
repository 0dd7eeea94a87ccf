export { startRecorder, type Recorder, type RecorderConfig } from './service';
export { RECORDER_ENV, parseRetention } from './config';
export { BatchLog, planBatch, type BatchPlan, type LoggedBatch } from './batch-log';
