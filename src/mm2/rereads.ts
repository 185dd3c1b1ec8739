import type { OffsetSync } from './offset-sync-codec.js';

/**
 * After a failover the group resumes on the target at the checkpoint's downstream offset d. The records it reads
 * again are those between the source equivalent of d and the group's committed offset on the source. The source
 * equivalent comes from the offset syncs: the newest sync with downstream ≤ d, then one record per offset after
 * it (MM2 itself may have translated from an older sync than the newest one on the topic: its in-memory store
 * keeps syncs sparse behind the head, so d can sit several records before the committed position). Without a
 * usable sync, d is assumed to map 1:1 (exact for plain topics; compaction, filters or transactions add gaps).
 * Negative: the group would skip records.
 */
export function expectedRereads(
  committed: bigint,
  translated: bigint,
  syncs: OffsetSync[] | undefined,
): number {
  const list = syncs ?? [];
  const base = list.findLast((s) => s.downstreamOffset <= translated) ?? list[0];
  // the newest sync at or below d; failing that (compaction kept only later ones), the oldest, extrapolated back
  const sourceEquivalent = base ? base.upstreamOffset + (translated - base.downstreamOffset) : translated;
  return Number(committed - sourceEquivalent);
}
