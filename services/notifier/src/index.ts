export { startNotifier, type Notifier, type NotifierConfig } from './service';
export { NOTIFIER_ENV } from './config';
