import type { KafkaClient } from './client.js';

/**
 * kafkajs has no public "read these offsets without a consumer group" API; its consumer always joins a
 * group, which costs group.initial.rebalance.delay.ms (3 s by default) on every probe. Its internal Cluster
 * object does expose leader lookup and Fetch, which is what its own consumer uses. kafkajs is pinned to
 * 2.2.4 (maintenance mode, no further releases); test/integration/cluster-reader.test.ts guards this against a
 * real broker.
 */
export interface RawMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  /** kafkajs folds a repeated key into an array. */
  headers?: Record<string, Buffer | Buffer[]>;
  isControlRecord?: boolean;
}

interface RawPartitionResponse {
  partition: number;
  errorCode: number;
  highWatermark: string;
  messages: RawMessage[];
}

export interface RawBroker {
  offsetCommit(req: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime?: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  }): Promise<{
    responses: Array<{ topic: string; partitions: Array<{ partition: number; errorCode: number }> }>;
  }>;
  fetch(req: {
    replicaId?: number;
    isolationLevel?: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{
      topic: string;
      partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }>;
    }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: RawPartitionResponse[] }> }>;
}

export interface RawCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  fetchTopicsOffset(
    topics: Array<{ topic: string; partitions: Array<{ partition: number }>; fromBeginning: boolean }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number; leader: number }>;
  findBroker(args: { nodeId: number }): Promise<RawBroker>;
  findGroupCoordinator(args: { groupId: string }): Promise<RawBroker>;
}

export function createRawCluster(client: KafkaClient): RawCluster {
  const sym = Object.getOwnPropertySymbols(client).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  if (!sym)
    throw new Error('kafkajs internals changed: createCluster not found (kdr requires kafkajs 2.2.4)');
  const create = (client as unknown as Record<symbol, (o: object) => RawCluster>)[sym]!;
  return create({ allowAutoTopicCreation: false, metadataMaxAge: 30_000 });
}

/** UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH. */
const RETRIABLE_PARTITION_ERRORS = new Set([3, 5, 6, 74, 75]);

/** One Fetch request for one partition from `offset`; returns the messages at or after it, and the high watermark. */
export async function fetchOnce(
  cluster: RawCluster,
  topic: string,
  partition: number,
  offset: bigint,
  maxBytes: number,
): Promise<{ high: bigint; messages: RawMessage[] }> {
  const meta = cluster.findTopicPartitionMetadata(topic).find((p) => p.partitionId === partition);
  if (!meta) throw new Error(`no metadata for ${topic}-${partition}`);
  const broker = await cluster.findBroker({ nodeId: meta.leader });
  const res = await broker.fetch({
    isolationLevel: 1,
    maxWaitTime: 50,
    minBytes: 1,
    maxBytes,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset.toString(), maxBytes }] }],
  });
  const part = res.responses
    .find((r) => r.topicName === topic)
    ?.partitions.find((p) => p.partition === partition);
  if (!part) return { high: offset, messages: [] };
  if (part.errorCode !== 0) {
    throw Object.assign(
      new Error(`fetch ${topic}-${partition} failed with Kafka error code ${part.errorCode}`),
      {
        retriable: RETRIABLE_PARTITION_ERRORS.has(part.errorCode),
      },
    );
  }
  return {
    high: BigInt(part.highWatermark),
    // in offset order: only a leading few (the rest of a batch before `offset`) are dropped
    messages: dropBefore(part.messages, offset),
  };
}

/**
 * A raw cluster connected once, on first use; concurrent callers share the one connection attempt, and a failed
 * attempt is forgotten so that a later call can try again.
 */
export function lazyRawCluster(client: KafkaClient): {
  get(): Promise<RawCluster>;
  refresh(): Promise<void>;
  close(): Promise<void>;
} {
  let cluster: Promise<RawCluster> | undefined;
  return {
    get() {
      if (!cluster) {
        const raw = createRawCluster(client);
        const attempt = raw.connect().then(() => raw);
        cluster = attempt;
        attempt.catch(() => {
          if (cluster === attempt) cluster = undefined;
        });
      }
      return cluster;
    },
    /** New metadata (leaders) for the topics already asked about, when connected. */
    async refresh() {
      const c = await cluster?.catch(() => undefined);
      await c?.refreshMetadata();
    },
    async close() {
      const c = await cluster?.catch(() => undefined);
      await c?.disconnect().catch(() => undefined);
    },
  };
}

function dropBefore(messages: RawMessage[], offset: bigint): RawMessage[] {
  let i = 0;
  while (i < messages.length && BigInt(messages[i]!.offset) < offset) i++;
  return i === 0 ? messages : messages.slice(i);
}
