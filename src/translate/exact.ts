import type { ClusterReader } from '../kafka/cluster-reader.js';
import { windowKey } from '../kafka/window-reader.js';
import type { OffsetSync } from '../mm2/offset-sync-codec.js';
import { anchorOf, type ExactOutcome, proveExact, tooFar, windowsFor } from './exact-proof.js';

export interface ExactQuery {
  /** The topic the group consumed on the source, and its copy on the target. */
  sourceTopic: string;
  targetTopic: string;
  partition: number;
  /** The group's committed offset on the source: the next record it reads. */
  committed: bigint;
}

/**
 * Proves exact translations for many partitions at once: MM2's syncs name where to start, then two batched reads
 * (the source windows, the target windows) fetch every record to compare. Identical questions share one read.
 */
export async function proveExactMany(
  source: ClusterReader,
  target: ClusterReader,
  syncs: Map<string, OffsetSync[]>,
  queries: ExactQuery[],
): Promise<ExactOutcome[]> {
  type Range = { from: bigint; to: bigint };
  type Open = { q: ExactQuery; anchor: OffsetSync; source: Range; target: Range };
  const plans: Array<Open | ExactOutcome> = queries.map((q) => {
    const anchor = anchorOf(q.committed, syncs.get(`${q.sourceTopic}:${q.partition}`));
    if (!anchor)
      return {
        proven: false,
        reason: `no MM2 offset sync at or below the group's position (offset ${q.committed}): MM2 has none either`,
      };
    const far = tooFar(q.committed, anchor);
    return far ? { proven: false, reason: far } : { q, anchor, ...windowsFor(q.committed, anchor) };
  });
  const open = plans.filter((p): p is Open => 'q' in p);
  const [src, dst] = await Promise.all([
    source.windows(open.map((p) => ({ topic: p.q.sourceTopic, partition: p.q.partition, ...p.source }))),
    target.windows(open.map((p) => ({ topic: p.q.targetTopic, partition: p.q.partition, ...p.target }))),
  ]);
  return plans.map((p) => {
    if (!('q' in p)) return p;
    const s = src.get(windowKey(p.q.sourceTopic, p.q.partition, p.source.from, p.source.to))!;
    const t = dst.get(windowKey(p.q.targetTopic, p.q.partition, p.target.from, p.target.to))!;
    return proveExact(p.q.committed, p.anchor, s, t);
  });
}
