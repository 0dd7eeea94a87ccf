// `@callwatch/notify/webhook`: what another service needs to POST signed webhooks exactly as the notifier does (the
// enforcer's action webhook), without loading the templates, charts and AWS clients of the main entry.
export { IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './channels/webhook';
export { DEFAULT_HTTP_LIMITS, failureFor, postHttp, snippet } from './channels/http-post';
export type { HttpAnswer, HttpLimits } from './channels/http-post';
export { createTargetGuard } from './channels/target-guard';
export type { TargetGuard } from './channels/target-guard';
export { shownUrl } from './channels/shown-target';
export { NOTIFY_ALLOW_TARGETS_ENV } from './config';
