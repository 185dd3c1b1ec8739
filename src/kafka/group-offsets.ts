import type { Config } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { GroupOffsetsPort, OffsetAt } from '../pipeline/ports.js';
import { ClusterReader } from './cluster-reader.js';
import { GroupOffsetWriter } from './group-offset-writer.js';

/** Group offsets on the configured clusters: one writer and one reader per cluster, opened on first use. */
export class KafkaGroupOffsets implements GroupOffsetsPort {
  private readonly writers = new Map<string, GroupOffsetWriter>();
  private readonly readers = new Map<string, ClusterReader>();

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  private cluster(name: string) {
    const cfg = this.config.clusters[name];
    if (!cfg)
      throw new KdrError('KDR_UNKNOWN_CLUSTER', `no cluster named "${name}"`, {
        hint: `configured clusters: ${Object.keys(this.config.clusters).join(', ')}`,
      });
    return cfg;
  }

  async commit(cluster: string, group: string, offsets: OffsetAt[]): Promise<void> {
    let w = this.writers.get(cluster);
    if (!w) {
      w = new GroupOffsetWriter(cluster, this.cluster(cluster), this.log);
      this.writers.set(cluster, w);
    }
    await w.commit(
      group,
      offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset) })),
    );
  }

  async read(cluster: string, group: string): Promise<OffsetAt[]> {
    let r = this.readers.get(cluster);
    if (!r) {
      r = new ClusterReader(cluster, this.cluster(cluster), this.log);
      this.readers.set(cluster, r);
    }
    return (await r.groupOffsets(group)).map((c) => ({
      topic: c.topic,
      partition: c.partition,
      offset: Number(c.offset),
    }));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.writers.values(), ...this.readers.values()].map((x) => x.close()));
    this.writers.clear();
    this.readers.clear();
  }
}
