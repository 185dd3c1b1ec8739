import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import kafkajs from 'kafkajs';
import { type Config, loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { createTopicsReady } from '../../src/kafka/create-topics.js';
import { waitFor } from '../../src/sandbox/processes.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SANDBOX_CONFIG = resolve(ROOT, 'examples/sandbox.kdr.yaml');

export function sandboxConfig(): Config {
  return loadConfig(SANDBOX_CONFIG, process.env);
}

export const testLog = createLogger(process.env.KDR_LOG_LEVEL ?? 'silent');

export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A plain kafkajs client for test fixtures (producing, consuming); kdr itself never leaves src/kafka/. */
export function fixtureKafka(bootstrap: string) {
  return new kafkajs.Kafka({
    clientId: unique('kdr-test'),
    brokers: [bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 5000,
  });
}

/** Polls until `check` returns a value; the sandbox's own waitFor, under the name the tests read best. */
export const eventually = <T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> => waitFor(what, timeoutMs, check, 500);

/** Creates topics and waits until every partition has a leader (kafkajs's own wait misses KRaft's lag). */
export const createTopics = (admin: kafkajs.Admin, opts: { topics: kafkajs.ITopicConfig[] }) =>
  createTopicsReady(admin, opts.topics);
