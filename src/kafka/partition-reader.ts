import type { ClusterConfig } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { withTimeout } from '../core/timeout.js';
import { createKafkaClient } from './client.js';
import { createRawCluster, fetchOnce, type RawCluster } from './raw-cluster.js';
import type { PartitionEnds, TailRecord } from './types.js';

const FETCH_BYTES = 1 << 20;

/** Reads records at known offsets without joining a consumer group (no commits, no rebalance delay). */
export class PartitionReader {
  private readonly client;
  private readonly admin;
  private cluster: RawCluster | undefined;

  constructor(
    readonly clusterName: string,
    private readonly cfg: ClusterConfig,
    log?: Logger,
  ) {
    this.client = createKafkaClient(clusterName, cfg, log);
    this.admin = this.client.admin();
  }

  private deadline(what: string) {
    return {
      what: `${what} on cluster ${this.clusterName}`,
      ms: this.cfg.timeouts.connectMs + this.cfg.timeouts.requestMs,
    };
  }

  async topicExists(topic: string): Promise<boolean> {
    const d = this.deadline('listing topics');
    const topics = await withTimeout(d.what, d.ms, this.admin.listTopics());
    return topics.includes(topic);
  }

  async ends(topic: string): Promise<PartitionEnds[]> {
    const d = this.deadline(`reading offsets of ${topic}`);
    const offsets = await withTimeout(d.what, d.ms, this.admin.fetchTopicOffsets(topic));
    return offsets
      .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** The last `count` records of every partition of `topic` (fewer where a partition holds fewer). */
  async tail(topic: string, count: number): Promise<TailRecord[]> {
    const out: TailRecord[] = [];
    for (const end of await this.ends(topic)) {
      const from = end.high - BigInt(count) > end.low ? end.high - BigInt(count) : end.low;
      await this.readRange(topic, end.partition, from, end.high, (r) => void out.push(r));
    }
    return out;
  }

  /** Every record of every partition, from the log start to the high watermark seen at the start. */
  async readAll(topic: string, onRecord: (r: TailRecord) => void): Promise<PartitionEnds[]> {
    const ends = await this.ends(topic);
    for (const end of ends) await this.readRange(topic, end.partition, end.low, end.high, onRecord);
    return ends;
  }

  /** Records with offsets in [from, to) of one partition, in log order (control records skipped). */
  async readRange(
    topic: string,
    partition: number,
    from: bigint,
    to: bigint,
    onRecord: (r: TailRecord) => void,
  ): Promise<void> {
    const cluster = await this.rawCluster(topic);
    let next = from;
    while (next < to) {
      const d = this.deadline(`fetching ${topic}-${partition}`);
      const { messages } = await withTimeout(
        d.what,
        d.ms,
        fetchOnce(cluster, topic, partition, next, FETCH_BYTES),
      );
      if (messages.length === 0) break; // only aborted/control records left below `to`
      for (const m of messages) {
        const offset = BigInt(m.offset);
        if (offset >= to) return;
        if (!m.isControlRecord) onRecord(toTailRecord(topic, partition, m));
        next = offset + 1n;
      }
    }
  }

  private async rawCluster(topic: string): Promise<RawCluster> {
    if (!this.cluster) {
      this.cluster = createRawCluster(this.client);
      await this.cluster.connect();
    }
    await this.cluster.addTargetTopic(topic);
    return this.cluster;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.disconnect(), this.cluster?.disconnect()]);
  }
}

function toTailRecord(
  topic: string,
  partition: number,
  m: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null },
): TailRecord {
  return {
    topic,
    partition,
    offset: BigInt(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key ?? null,
    value: m.value ?? null,
  };
}
