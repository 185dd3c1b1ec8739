import type { ClusterReader } from '../kafka/cluster-reader.js';
import { type WindowRequest, type WindowResult, windowKey } from '../kafka/window-reader.js';
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
    readMerged(
      source,
      open.map((p) => ({ topic: p.q.sourceTopic, partition: p.q.partition, ...p.source })),
    ),
    readMerged(
      target,
      open.map((p) => ({ topic: p.q.targetTopic, partition: p.q.partition, ...p.target })),
    ),
  ]);
  return plans.map((p) => {
    if (!('q' in p)) return p;
    const s = src.get(windowKey(p.q.sourceTopic, p.q.partition, p.source.from, p.source.to))!;
    const t = dst.get(windowKey(p.q.targetTopic, p.q.partition, p.target.from, p.target.to))!;
    return proveExact(p.q.committed, p.anchor, s, t);
  });
}

/**
 * Many groups read the same partitions: overlapping windows of a partition are read once, as one range, and each
 * window is cut from it. A range that starts below the log start is read again window by window, so one window
 * past the deleted records is not lost to another.
 */
async function readMerged(
  reader: ClusterReader,
  windows: WindowRequest[],
): Promise<Map<string, WindowResult>> {
  const byPartition = new Map<string, WindowRequest[]>();
  for (const w of windows) {
    const k = `${w.topic}\u0000${w.partition}`;
    byPartition.set(k, [...(byPartition.get(k) ?? []), w]);
  }
  const merged: WindowRequest[] = [];
  for (const list of byPartition.values()) {
    const sorted = [...list].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    let cur = { ...sorted[0]! };
    for (const w of sorted.slice(1)) {
      if (w.from <= cur.to) cur.to = w.to > cur.to ? w.to : cur.to;
      else {
        merged.push(cur);
        cur = { ...w };
      }
    }
    merged.push(cur);
  }
  const got = await reader.windows(merged);
  const out = new Map<string, WindowResult>();
  const again: WindowRequest[] = [];
  for (const w of windows) {
    const m = merged.find(
      (x) => x.topic === w.topic && x.partition === w.partition && x.from <= w.from && w.to <= x.to,
    )!;
    const r = got.get(windowKey(m.topic, m.partition, m.from, m.to))!;
    if (r.logStartAbove && m.from !== w.from) again.push(w);
    out.set(windowKey(w.topic, w.partition, w.from, w.to), {
      records: r.records.filter((x) => x.offset >= w.from && x.offset < w.to),
      logStartAbove: r.logStartAbove,
      high: r.high,
    });
  }
  for (const [k, r] of await reader.windows(again)) out.set(k, r);
  return out;
}
