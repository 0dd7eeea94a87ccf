import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import { createLogger } from '@callwatch/core';
import type { KafkaSecurity } from './security';

/** KafkaConfig is what a service needs to reach its Kafka cluster. */
export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** TLS and SASL, from connectionSecurity(); none: PLAINTEXT */
  security?: KafkaSecurity;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** createKafka builds the KafkaJS client with its logs routed to our structured logger (KafkaJS stays behind this module). */
export function createKafka({ brokers, clientId, security }: KafkaConfig): Kafka {
  const log = createLogger(`kafkajs:${clientId}`);
  return new Kafka({
    clientId,
    brokers,
    ssl: security?.ssl,
    sasl: security?.sasl,
    connectionTimeout: 5_000,
    retry: { initialRetryTime: 200, retries: 10 },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // KafkaJS logs a harmless error on every rebalance (a heartbeat answered "rebalancing", as `error` beside a
        // "Response Heartbeat" message; or a group that is shutting down): the consumer rejoins, so keep it at debug.
        const name = levels[level] ?? 'info';
        const rebalancing = [message, rest.error].some((text) => typeof text === 'string' && text.includes('The group is rebalancing'));
        log[rebalancing ? 'debug' : name](rest, message);
      },
  });
}
