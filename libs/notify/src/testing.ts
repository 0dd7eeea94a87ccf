// Helpers for tests (`@callwatch/notify/testing`), kept out of the main entry.
export { startLocalReceiver } from './channels/local-receiver';
export type { LocalReceiver, ReceivedRequest } from './channels/local-receiver';
