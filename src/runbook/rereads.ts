import type { TailRecord } from '../kafka/types.js';

/** One partition of one moved group: where it left the source, what the translation stood on, where it resumes. */
export interface RereadRow {
  group: string;
  fromTopic: string;
  toTopic: string;
  partition: number;
  /** The group's committed offset on the source: the next record it had not consumed. */
  fromCommitted: number;
  /** The source offset the translation stood on (the checkpoint's upstream offset). */
  basis: number | null;
  /** The offset kdr committed on the target. */
  written: number;
  /** What the offsets plan said the group re-reads there (0 where kdr proved the exact position). */
  planned?: number;
}

/**
 * Predicted: what the offsets plan said, else the records between the translation's basis and where the group
 * really was (1:1 beyond the basis).
 */
export const predictedRereads = (r: RereadRow): number =>
  r.planned ?? (r.basis === null ? 0 : Math.max(0, r.fromCommitted - r.basis));

export const sameRecord = (a: TailRecord, b: TailRecord): boolean =>
  a.timestamp === b.timestamp &&
  (a.key === null ? b.key === null : b.key !== null && a.key.equals(b.key)) &&
  (a.value === null ? b.value === null : b.value !== null && a.value.equals(b.value));

/**
 * Observed, by the data: the last record the group consumed on the source (offset fromCommitted − 1) is looked for
 * among the target's records near where it resumes (MM2 keeps timestamp, key and value); the records from `written`
 * up to and including that match are the ones it reads again (negative: records it would skip). Where several
 * target records are identical, the one nearest the predicted position counts. Null when the source record is gone
 * (retention) or no copy is within the window.
 */
export function observedFromMatch(
  last: TailRecord,
  candidates: TailRecord[],
  written: number,
  predicted: number,
): number | null {
  const expected = written + predicted - 1;
  let best: number | null = null;
  for (const c of candidates) {
    if (!sameRecord(last, c)) continue;
    const at = Number(c.offset);
    if (best === null || Math.abs(at - expected) < Math.abs(best - expected)) best = at;
  }
  return best === null ? null : best + 1 - written;
}

/** The target offsets to read for one row: a window around the predicted position. */
export function matchWindow(r: RereadRow, window: number): { from: number; to: number } {
  const expected = r.written + predictedRereads(r) - 1;
  return { from: Math.max(0, Math.min(r.written - 1, expected) - window), to: expected + window + 1 };
}
