import { COMMON_ENV, loadConfig, type ConfigOf } from '@callwatch/core';

/** CliConfig is the connection configuration the CLI reads from the environment, like the services. */
export type CliConfig = ConfigOf<typeof COMMON_ENV>;

/** cliConfig reads the environment once; a bad value becomes a usage error naming the variable. */
export function cliConfig(source: NodeJS.ProcessEnv = process.env): CliConfig {
  return loadConfig(COMMON_ENV, source);
}
