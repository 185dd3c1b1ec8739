import type { ClusterReader } from '../kafka/cluster-reader.js';
import type { OffsetSync } from '../mm2/offset-sync-codec.js';
import { proveExactMany } from '../translate/exact.js';

/** kdr's proven position of one group partition, and the re-reads with it. */
export interface ExactLag {
  proven: boolean;
  offset: number | null;
  /** 0 where proven; MM2's figure where not. */
  rereads: number | null;
  reason?: string;
}

/** What the proof needs of a group partition (GroupPartitionLag), and where it puts the answer. */
interface LagPart {
  topic: string;
  targetTopic: string;
  partition: number;
  sourceCommitted: number;
  expectedRereads: number | null;
  exact?: ExactLag;
}

/**
 * `lag --exact`: each group partition's position on the target proven record by record (as `translate --exact`);
 * the re-reads a failover would cost with kdr's offsets beside MM2's: 0 where proven, MM2's figure (and why)
 * elsewhere.
 */
export async function addExactRereads(
  source: ClusterReader,
  target: ClusterReader,
  syncs: Map<string, OffsetSync[]>,
  groups: Array<{ partitions: LagPart[] }>,
): Promise<void> {
  const parts = groups.flatMap((g) => g.partitions);
  const outcomes = await proveExactMany(
    source,
    target,
    syncs,
    parts.map((p) => ({
      sourceTopic: p.topic,
      targetTopic: p.targetTopic,
      partition: p.partition,
      committed: BigInt(p.sourceCommitted),
    })),
  );
  for (const [i, p] of parts.entries()) {
    const o = outcomes[i]!;
    p.exact = o.proven
      ? { proven: true, offset: Number(o.offset), rereads: 0 }
      : { proven: false, offset: null, rereads: p.expectedRereads, reason: o.reason };
  }
}
