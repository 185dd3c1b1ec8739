/** Domain-level views of a Kafka cluster. No kafkajs type crosses out of src/kafka/. */

export interface ClusterSnapshot {
  name: string;
  reachable: boolean;
  clusterId?: string;
  brokers: number;
  controller: number | null;
  topics: number;
  partitions: number;
  underReplicated: number;
  offline: number;
  error?: string;
  hint?: string;
  elapsedMs: number;
}

export interface TailRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Headers in record order (a key may repeat). */
  headers?: Array<[string, Buffer]>;
}

export interface PartitionEnds {
  partition: number;
  low: bigint;
  high: bigint;
}

export interface GroupInfo {
  groupId: string;
  state: string;
  members: number;
  protocolType: string;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: bigint;
}
