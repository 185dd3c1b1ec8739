import kafkajs from 'kafkajs';
import type { ClusterConfig } from '../config/load.js';
import type { Logger } from '../core/logger.js';

const { Kafka, logLevel } = kafkajs;
export type KafkaClient = InstanceType<typeof Kafka>;

/** Builds a kafkajs client with short timeouts and few retries: an unreachable cluster must answer fast. */
export function createKafkaClient(name: string, cfg: ClusterConfig, log?: Logger): KafkaClient {
  const child = log?.child({ cluster: name, component: 'kafkajs' });
  return new Kafka({
    clientId: `kdr-${name}`,
    brokers: cfg.bootstrap,
    ssl:
      cfg.ssl === false
        ? undefined
        : cfg.ssl === true
          ? true
          : { rejectUnauthorized: cfg.ssl.rejectUnauthorized },
    sasl: cfg.sasl
      ? ({ mechanism: cfg.sasl.mechanism, username: cfg.sasl.username, password: cfg.sasl.password } as never)
      : undefined,
    connectionTimeout: cfg.timeouts.connectMs,
    requestTimeout: cfg.timeouts.requestMs,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      // kafkajs logs every connection failure; they are reported as results, so keep them at debug.
      child?.debug({ kafkajs: entry.namespace, ...entry.log }, entry.log.message);
    },
  });
}
