import type { ClusterConfig } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { createKafkaClient } from './client.js';
import { withKafkaDeadline } from './deadline.js';
import { fetchOnce, lazyRawCluster, type RawCluster } from './raw-cluster.js';
import type { CommittedOffset, GroupInfo, PartitionEnds, TailRecord } from './types.js';
import { readWindows, type WindowRequest, type WindowResult } from './window-reader.js';

const FETCH_BYTES = 1 << 22;

/**
 * The read side of a cluster, in DR terms: topics, end offsets, groups and their commits, and records at known
 * offsets read without joining a consumer group (no commits, no rebalance delay). Every call has a deadline.
 */
export class ClusterReader {
  private readonly client;
  private readonly admin;
  /** Shared by concurrent callers (endOffsets and startOffsets run in parallel). */
  private readonly raw;

  constructor(
    readonly clusterName: string,
    private readonly cfg: ClusterConfig,
    log?: Logger,
  ) {
    this.client = createKafkaClient(clusterName, cfg, log);
    this.admin = this.client.admin();
    this.raw = lazyRawCluster(this.client);
  }

  async topicExists(topic: string): Promise<boolean> {
    const topics = await this.timed('listing topics', () => this.admin.listTopics());
    return topics.includes(topic);
  }

  async ends(topic: string): Promise<PartitionEnds[]> {
    const offsets = await this.timed(`reading offsets of ${topic}`, () =>
      this.admin.fetchTopicOffsets(topic),
    );
    return offsets
      .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /**
   * Per partition, the offset of the first record with a timestamp at or after `ts` (the end offset where there is
   * none): where replication must start to copy only what was written since.
   */
  async offsetsAt(topic: string, ts: number): Promise<Array<{ partition: number; offset: bigint }>> {
    const [at, ends] = await Promise.all([
      this.timed(`finding offsets of ${topic} by time`, () =>
        this.admin.fetchTopicOffsetsByTimestamp(topic, ts),
      ),
      this.ends(topic),
    ]);
    const high = new Map(ends.map((e) => [e.partition, e.high]));
    return at
      .map((o) => ({
        partition: o.partition,
        offset: Number(o.offset) < 0 ? (high.get(o.partition) ?? 0n) : BigInt(o.offset),
      }))
      .sort((a, b) => a.partition - b.partition);
  }

  private timed<T>(what: string, work: () => Promise<T>): Promise<T> {
    return withKafkaDeadline(this.clusterName, this.cfg, what, work, { refresh: () => this.raw.refresh() });
  }

  /** Every topic with its partition count. */
  async topicPartitions(): Promise<Map<string, number>> {
    const { topics } = await this.timed('reading topic metadata', () => this.admin.fetchTopicMetadata());
    return new Map(topics.map((t) => [t.name, t.partitions.length]));
  }

  /** High watermarks of many topics, batched per leader (one ListOffsets request per broker). */
  endOffsets(topics: Map<string, number>): Promise<Map<string, bigint[]>> {
    return this.listOffsets(topics, false);
  }

  /** Log start offsets of many topics, batched per leader. */
  startOffsets(topics: Map<string, number>): Promise<Map<string, bigint[]>> {
    return this.listOffsets(topics, true);
  }

  private async listOffsets(
    topics: Map<string, number>,
    fromBeginning: boolean,
  ): Promise<Map<string, bigint[]>> {
    const out = new Map<string, bigint[]>();
    if (topics.size === 0) return out;
    const cluster = await this.rawClusterFor([...topics.keys()]);
    const req = [...topics].map(([topic, n]) => ({
      topic,
      fromBeginning,
      partitions: Array.from({ length: n }, (_, partition) => ({ partition })),
    }));
    const res = await this.timed(
      `reading ${fromBeginning ? 'start' : 'end'} offsets of ${topics.size} topics`,
      () => cluster.fetchTopicsOffset(req),
    );
    for (const t of res) {
      const ends = new Array<bigint>(topics.get(t.topic) ?? 0).fill(0n);
      for (const p of t.partitions) ends[p.partition] = BigInt(p.offset);
      out.set(t.topic, ends);
    }
    return out;
  }

  async listGroups(): Promise<string[]> {
    const { groups } = await this.timed('listing consumer groups', () => this.admin.listGroups());
    return groups.map((g) => g.groupId);
  }

  async describeGroups(groupIds: string[]): Promise<GroupInfo[]> {
    if (groupIds.length === 0) return [];
    const { groups } = await this.timed('describing consumer groups', () =>
      this.admin.describeGroups(groupIds),
    );
    return groups.map((g) => ({
      groupId: g.groupId,
      state: g.state,
      members: g.members.length,
      protocolType: g.protocolType,
    }));
  }

  /** Committed offsets of a group, for every topic it committed on. */
  async groupOffsets(groupId: string): Promise<CommittedOffset[]> {
    const res = await this.timed(`reading offsets of group ${groupId}`, () =>
      this.admin.fetchOffsets({ groupId }),
    );
    return res.flatMap((t) =>
      t.partitions
        .filter((p) => Number(p.offset) >= 0)
        .map((p) => ({ topic: t.topic, partition: p.partition, offset: BigInt(p.offset) })),
    );
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
      const from = next;
      const { messages } = await this.timed(`fetching ${topic}-${partition}`, () =>
        fetchOnce(cluster, topic, partition, from, FETCH_BYTES),
      );
      if (messages.length === 0) break; // only aborted/control records left below `to`
      for (const m of messages) {
        const offset = BigInt(m.offset);
        if (offset >= to) return;
        if (!m.isControlRecord) onRecord(toTailRecord(topic, partition, offset, m));
        next = offset + 1n;
      }
    }
  }

  /**
   * Many small ranges at once, batched per leader broker: data records with their transaction fate, keyed by
   * `windowKey(topic, partition, from, to)`.
   */
  async windows(requests: WindowRequest[]): Promise<Map<string, WindowResult>> {
    if (requests.length === 0) return new Map();
    const cluster = await this.rawClusterFor([...new Set(requests.map((r) => r.topic))]);
    return this.timed(`reading ${requests.length} record range(s)`, () => readWindows(cluster, requests));
  }

  private async rawCluster(topic: string): Promise<RawCluster> {
    return this.rawClusterFor([topic]);
  }

  private async rawClusterFor(topics: string[]): Promise<RawCluster> {
    const cluster = await this.timed('connecting', () => this.raw.get());
    await this.timed('reading metadata', () => cluster.addMultipleTargetTopics(topics));
    return cluster;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.disconnect(), this.raw.close()]);
  }
}

function toTailRecord(
  topic: string,
  partition: number,
  offset: bigint,
  m: {
    timestamp: string;
    key: Buffer | null;
    value: Buffer | null;
    headers?: Record<string, Buffer | Buffer[]>;
  },
): TailRecord {
  return {
    topic,
    partition,
    offset,
    timestamp: Number(m.timestamp),
    key: m.key ?? null,
    value: m.value ?? null,
    headers: Object.entries(m.headers ?? {}).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((b): [string, Buffer] => [k, b]),
    ),
  };
}
