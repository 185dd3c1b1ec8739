import { createRequire } from 'node:module';
import type { RawBroker, RawCluster } from './raw-cluster.js';

/**
 * IncrementalAlterConfigs (KIP-339, API key 44, v0): sets or deletes single topic configs, leaving every other
 * override as the broker has it, including values it withholds (sensitive) and changes made meanwhile by someone
 * else. kafkajs 2.2.4 declares the API but does not implement it; this encodes v0 with kafkajs's own protocol
 * encoder and sends it on a broker connection. Its response has AlterConfigs v0's shape, whose decoder is reused.
 */
const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaEncoder;
const alterConfigsResponse = require('kafkajs/src/protocol/requests/alterConfigs/v0/response') as {
  decode(raw: Buffer): Promise<unknown>;
  parse(data: unknown): Promise<{ resources: Array<{ errorCode: number; errorMessage: string | null }> }>;
};

interface KafkaEncoder {
  writeInt8(v: number): KafkaEncoder;
  writeString(v: string | null): KafkaEncoder;
  writeBoolean(v: boolean): KafkaEncoder;
  writeArray(v: KafkaEncoder[]): KafkaEncoder;
}

const TOPIC = 2;
const OP = { set: 0, delete: 1 } as const;

export interface ConfigOp {
  name: string;
  op: keyof typeof OP;
  value?: string;
}

export async function incrementalAlterTopicConfigs(
  cluster: RawCluster,
  topic: string,
  ops: ConfigOp[],
  timeoutMs: number,
): Promise<void> {
  if (ops.length === 0) return;
  const meta = cluster.findTopicPartitionMetadata(topic)[0];
  const broker = (await cluster.findBroker({ nodeId: meta?.leader ?? 0 })) as RawBroker & {
    connectionPool: { send(p: unknown): Promise<unknown> };
  };
  const request = {
    apiKey: 44,
    apiVersion: 0,
    apiName: 'IncrementalAlterConfigs',
    encode: async () =>
      new Encoder()
        .writeArray([
          new Encoder()
            .writeInt8(TOPIC)
            .writeString(topic)
            .writeArray(
              ops.map((o) =>
                new Encoder()
                  .writeString(o.name)
                  .writeInt8(OP[o.op])
                  .writeString(o.op === 'delete' ? null : (o.value ?? null)),
              ),
            ),
        ])
        .writeBoolean(false),
  };
  await broker.connectionPool.send({ request, response: alterConfigsResponse, requestTimeout: timeoutMs });
}
