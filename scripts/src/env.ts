import { COMMON_ENV, loadConfig, type ConfigOf } from '@callwatch/core';
import { NOTIFY_ENV } from '@callwatch/notify';

/** CliConfig is the connection configuration the CLI reads from the environment, like the services. */
export type CliConfig = ConfigOf<typeof COMMON_ENV>;

/** cliConfig reads the environment once; a bad value is a CW_ERR_CONFIG error naming the variable. */
export function cliConfig(source: NodeJS.ProcessEnv = process.env): CliConfig {
  return loadConfig(COMMON_ENV, source);
}

/** CLI_NOTIFY_ENV is what a CLI command that sends notifications reads: the connection, and the notifier's channel settings. */
export const CLI_NOTIFY_ENV = { ...COMMON_ENV, ...NOTIFY_ENV };

/** CliNotifyConfig is the parsed CLI_NOTIFY_ENV. */
export type CliNotifyConfig = ConfigOf<typeof CLI_NOTIFY_ENV>;

/** cliNotifyConfig reads CLI_NOTIFY_ENV once, for `rules test --send`. */
export function cliNotifyConfig(source: NodeJS.ProcessEnv = process.env): CliNotifyConfig {
  return loadConfig(CLI_NOTIFY_ENV, source);
}
