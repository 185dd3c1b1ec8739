import type { OffsetSync } from '../../mm2/offset-sync-codec.js';
import type { TranslationFlag, TranslationReport } from '../../translate/types.js';

/** A run of copied records: DR offsets [d, d+len) took the rebuilt topic's offsets [n, n+len), one for one. */
export interface Segment {
  d: number;
  n: number;
  len: number;
}

/** How one partition was rebuilt: which DR offsets were copied, and where each landed. */
export interface CopyMap {
  /** DR offsets copied: [start, end). */
  start: number;
  end: number;
  /** The rebuilt partition's end (records copied). */
  newEnd: number;
  segments: Segment[];
}

/** Adds the copied record at DR offset `d` that took offset `n` (records come in offset order). */
export function extend(segments: Segment[], d: number, n: number): void {
  const last = segments[segments.length - 1];
  if (last && d === last.d + last.len && n === last.n + last.len) last.len++;
  else segments.push({ d, n, len: 1 });
}

/**
 * Where a group whose next record on DR is at `d` resumes in the rebuilt partition: the offset the first copied
 * record at or after `d` took (the rebuilt end when there is none). Exact: nothing is read twice, nothing skipped.
 */
export function rebuiltOffset(m: CopyMap, d: number): number {
  for (const s of m.segments) {
    if (d < s.d) return s.n;
    if (d < s.d + s.len) return s.n + (d - s.d);
  }
  return m.newEnd;
}

/**
 * Where a group that had committed `u` on the old primary resumes in the rebuilt partition: past everything when
 * it had read up to the records DR never got (`u >= base`), else through MM2's offset syncs to DR's copy (the
 * newest sync at or below `u`, +1 between syncs: never past the true position) and then the copy's own map; from
 * the start when no sync covers it.
 */
export function carriedOffset(m: CopyMap, u: number, base: number, syncs: OffsetSync[] | undefined): number {
  if (u >= base) return m.newEnd;
  const sync = (syncs ?? []).findLast((s) => s.upstreamOffset <= BigInt(u));
  if (!sync) return 0;
  const d = Number(sync.downstreamOffset) + (BigInt(u) === sync.upstreamOffset ? 0 : 1);
  return rebuiltOffset(m, d);
}

/**
 * The failback translation of groups' DR commits on rebuilt topics: the copy's map instead of MM2's offset syncs
 * (which describe the deleted topic). Rows of other topics are left as they are.
 */
export function withRebuiltRows(report: TranslationReport, maps: Record<string, CopyMap>): TranslationReport {
  return {
    ...report,
    groups: report.groups.map((g) => ({
      ...g,
      rows: g.rows.map((r) => {
        const m = maps[`${r.toTopic}:${r.partition}`];
        if (!m || r.fromCommitted === null) return r;
        const translated = rebuiltOffset(m, r.fromCommitted);
        const flags: TranslationFlag[] = r.flags.filter(
          (f) => f !== 'no-sync' && f !== 'beyond-end' && f !== 'would-rewind',
        );
        if (r.toEnd === null || translated > r.toEnd) flags.push('beyond-end');
        if (r.toCommitted !== null && translated < r.toCommitted) flags.push('would-rewind');
        return {
          ...r,
          basis: r.fromCommitted,
          translated,
          delta: r.toCommitted === null ? null : translated - r.toCommitted,
          flags,
        };
      }),
    })),
  };
}
