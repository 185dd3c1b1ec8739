import type { Redis } from 'ioredis';
import type { StampedCheckpoint } from '../mm2/topics.js';

export interface IndexMeta {
  /** The checkpoints topic indexed ('' when the target has none yet). */
  topic: string;
  /** Next offset to read, per partition of the checkpoints topic. */
  next: Record<number, string>;
  /** When the index last reached the topic's end (ms since epoch); 0 before the first full pass. */
  syncedAt: number;
  records: number;
}

/**
 * The newest checkpoint per (flow, group, target partition), kept in Redis by the worker so that a translation
 * at failover time is one HGETALL instead of a scan of the checkpoints topic. Written one MULTI per batch:
 * entries and the read position move together, so a crashed worker resumes where the last batch ended.
 */
export class CheckpointIndex {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private k(flow: string, ...parts: string[]): string {
    return [this.prefix, 'cpidx', flow, ...parts].join(':');
  }

  async meta(flow: string): Promise<IndexMeta | undefined> {
    const raw = await this.redis.get(this.k(flow, 'meta'));
    return raw ? (JSON.parse(raw) as IndexMeta) : undefined;
  }

  async groups(flow: string): Promise<string[]> {
    return (await this.redis.smembers(this.k(flow, 'groups'))).sort();
  }

  async group(flow: string, group: string): Promise<StampedCheckpoint[]> {
    const all = await this.redis.hgetall(this.k(flow, 'g', group));
    return Object.entries(all).map(([field, v]) => {
      const cut = field.lastIndexOf('|');
      const [u, d, ts] = v.split(':');
      return {
        group,
        topic: field.slice(0, cut),
        partition: Number(field.slice(cut + 1)),
        upstreamOffset: BigInt(u!),
        downstreamOffset: BigInt(d!),
        metadata: '',
        timestamp: Number(ts),
      };
    });
  }

  /** Applies a batch read from the topic (log order: the last record per key wins) and the new position. */
  async apply(flow: string, batch: StampedCheckpoint[], meta: IndexMeta): Promise<void> {
    const m = this.redis.multi();
    const groups = new Set<string>();
    for (const c of batch) {
      groups.add(c.group);
      m.hset(
        this.k(flow, 'g', c.group),
        `${c.topic}|${c.partition}`,
        `${c.upstreamOffset}:${c.downstreamOffset}:${c.timestamp}`,
      );
    }
    if (groups.size) m.sadd(this.k(flow, 'groups'), ...groups);
    m.set(this.k(flow, 'meta'), JSON.stringify(meta));
    await m.exec();
  }

  /** Forgets everything about the flow (topic recreated or renamed): the next pass rebuilds from the start. */
  async reset(flow: string): Promise<void> {
    const groups = await this.redis.smembers(this.k(flow, 'groups'));
    const keys = [this.k(flow, 'meta'), this.k(flow, 'groups'), ...groups.map((g) => this.k(flow, 'g', g))];
    for (let i = 0; i < keys.length; i += 500) await this.redis.del(...keys.slice(i, i + 500));
  }
}
