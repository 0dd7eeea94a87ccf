/** ERROR_CODES is the catalog of every error code callwatch raises: what it means and whether retrying may help. */
export const ERROR_CODES = {
  CW_ERR_CONFIG: { retriable: false, description: 'An environment variable is missing or has an invalid value.' },
  CW_ERR_DECODE: { retriable: false, description: 'A message could not be decoded: not the Confluent wire format, unknown schema id, or bytes that do not match the schema.' },
  CW_ERR_REGISTRY: { retriable: true, description: 'The schema registry could not be reached or refused a schema.' },
  CW_ERR_INVALID_EVENT: { retriable: false, description: 'A decoded event has missing or impossible fields (for example end before start).' },
  CW_ERR_RULE_INVALID: { retriable: false, description: 'A rule file does not satisfy the rule schema or the rule semantics.' },
  CW_ERR_RULE_RESET_SIDE: { retriable: false, description: 'A reset_threshold is on the wrong side of the threshold for its operator.' },
  CW_ERR_SCRIPT_FAILED: { retriable: false, description: 'A script rule did not compile, threw, or returned something other than a number, a boolean or null; the rule has no data this time.' },
  CW_ERR_SCRIPT_TIMEOUT: { retriable: false, description: 'A script rule ran longer than its time limit and was interrupted; the rule has no data this time.' },
  CW_ERR_SCRIPT_MEMORY: { retriable: false, description: 'A script rule went over its memory or stack limit and was stopped; the rule has no data this time.' },
  CW_ERR_TEMPLATE: { retriable: false, description: 'A template failed to render (bad Handlebars or MJML).' },
  CW_ERR_DELIVERY: { retriable: true, description: 'A notification channel failed temporarily (throttling, network, 5xx).' },
  CW_ERR_DELIVERY_REJECTED: { retriable: false, description: 'A notification channel rejected the message permanently (bad address, unverified sender, 4xx).' },
  CW_ERR_REDIS_SCRIPT: { retriable: false, description: 'A Redis Lua script returned an error code.' },
  CW_ERR_INFRA: { retriable: false, description: 'A local infrastructure prerequisite is missing or a service did not become healthy.' },
  CW_ERR_BATCH_FAILED: { retriable: true, description: 'A consumer could not finish a batch (e.g. Redis unreachable); the batch is retried, then the consumer restarts from its committed offsets.' },
  CW_ERR_CLI_USAGE: { retriable: false, description: 'A CLI command was called with invalid arguments.' },
} as const satisfies Record<string, { retriable: boolean; description: string }>;
