import { createHash } from 'node:crypto';
import type { WindowRecord, WindowResult } from '../kafka/window-reader.js';
import type { OffsetSync } from '../mm2/offset-sync-codec.js';

/** The most records kdr reads on each side to bridge MM2's nearest offset sync and the group's position. */
export const MAX_WINDOW = 10_000n;

export type ExactOutcome =
  | {
      proven: true;
      /** The target offset of the first record the group has not consumed. */
      offset: bigint;
      anchor: { upstream: bigint; downstream: bigint };
      /** Records compared between the sync and the group's position. */
      matched: number;
      /** Whether MM2's copy holds the aborted records of the window (it read them uncommitted). */
      abortedCopied: boolean | null;
    }
  | { proven: false; reason: string };

/** MM2's newest offset sync at or below the group's position: the record at `upstream` is at `downstream`. */
export function anchorOf(committed: bigint, syncs: OffsetSync[] | undefined): OffsetSync | null {
  return (syncs ?? []).findLast((s) => s.upstreamOffset <= committed) ?? null;
}

/** What to read on each side: the source from the sync to the group's position, the target as much again. */
export function windowsFor(committed: bigint, anchor: OffsetSync) {
  const span = committed - anchor.upstreamOffset;
  return {
    source: { from: anchor.upstreamOffset, to: committed + 1n },
    target: { from: anchor.downstreamOffset, to: anchor.downstreamOffset + span + 1n },
  };
}

export function tooFar(committed: bigint, anchor: OffsetSync): string | null {
  const span = committed - anchor.upstreamOffset;
  return span > MAX_WINDOW
    ? `MM2's nearest offset sync is ${span} records below the group's position (kdr reads at most ${MAX_WINDOW} to prove a match)`
    : null;
}

/**
 * Proves where the group's next record is on the target. The anchor is MM2's own fact (the source record at
 * `upstream` was written at `downstream`); from there MM2 copies records in order with key, value, headers and
 * timestamp unchanged, so if the target's records from the anchor are, one for one, the source's records from the
 * anchor up to the group's position, the next target offset holds the copy of the group's next record, or of a
 * later one that MM2 re-sends after it. Any doubt (a record gone, a different copy, identical records that could
 * hide a re-sent run, a target that has not caught up) is a reason to fall back, never a guess: the answer is never
 * past the true position.
 */
export function proveExact(
  committed: bigint,
  anchor: OffsetSync,
  source: WindowResult,
  target: WindowResult,
): ExactOutcome {
  const u = anchor.upstreamOffset;
  if (source.logStartAbove)
    return {
      proven: false,
      reason: `records from MM2's offset sync (offset ${u}) to the group's position were deleted on the source`,
    };
  const first = source.records[0];
  if (!first || first.offset !== u)
    return {
      proven: false,
      reason: `the record at MM2's offset sync (offset ${u}) is no longer on the source (compacted or deleted)`,
    };
  const copies = target.records.filter((r) => !r.aborted);
  if (!copies[0] || copies[0].offset !== anchor.downstreamOffset)
    return {
      proven: false,
      reason: `the target no longer holds MM2's copy at offset ${anchor.downstreamOffset} (compacted, deleted or recreated)`,
    };
  if (u === committed) {
    const why = differs(first, copies[0]);
    return why
      ? { proven: false, reason: `the copy at the sync point differs from the source: ${why}` }
      : { proven: true, offset: copies[0].offset, anchor: pair(anchor), matched: 1, abortedCopied: null };
  }
  const below = source.records.filter((r) => r.offset < committed);
  const models: Array<{ records: WindowRecord[]; abortedCopied: boolean | null }> = below.some(
    (r) => r.aborted,
  )
    ? [
        { records: below, abortedCopied: true },
        { records: below.filter((r) => !r.aborted), abortedCopied: false },
      ]
    : [{ records: below, abortedCopied: null }];
  let reason = '';
  for (const m of models) {
    const r = match(m.records, copies, target.high);
    if (r.ok)
      return {
        proven: true,
        offset: r.offset,
        anchor: pair(anchor),
        matched: m.records.length,
        abortedCopied: m.abortedCopied,
      };
    reason ||= r.reason;
  }
  return { proven: false, reason };
}

function match(
  expected: WindowRecord[],
  copies: WindowRecord[],
  targetHigh: bigint,
): { ok: true; offset: bigint } | { ok: false; reason: string } {
  const twin = identical(expected);
  if (twin)
    return {
      ok: false,
      reason: `records at source offsets ${twin[0]} and ${twin[1]} are identical (key, value, headers, timestamp): a re-sent run could not be told apart`,
    };
  if (copies.length < expected.length)
    return {
      ok: false,
      reason: `the target holds ${copies.length} of the ${expected.length} records from MM2's offset sync to the group's position (end ${targetHigh}): replication has not caught up`,
    };
  for (let i = 0; i < expected.length; i++) {
    const why = differs(expected[i]!, copies[i]!);
    if (why)
      return {
        ok: false,
        reason: `target offset ${copies[i]!.offset} is not the copy of source offset ${expected[i]!.offset} (${why}): MM2 re-sent records, or records were compacted or filtered`,
      };
  }
  return { ok: true, offset: copies[expected.length - 1]!.offset + 1n };
}

/** Why two records are not the same record, or null. */
export function differs(a: WindowRecord, b: WindowRecord): string | null {
  if (a.timestamp !== b.timestamp)
    return b.timestampType === 'log-append'
      ? 'the target topic stamps LogAppendTime, so timestamps are not the source'
      : `timestamp ${a.timestamp} vs ${b.timestamp}`;
  if (!sameBytes(a.key, b.key)) return 'key differs';
  if (!sameBytes(a.value, b.value)) return 'value differs';
  if (a.headers.length !== b.headers.length) return 'headers differ';
  for (let i = 0; i < a.headers.length; i++) {
    const [ak, av] = a.headers[i]!;
    const [bk, bv] = b.headers[i]!;
    if (ak !== bk || !av.equals(bv)) return 'headers differ';
  }
  return null;
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/** The first two records with the same content, by offset. */
function identical(records: WindowRecord[]): [bigint, bigint] | null {
  const seen = new Map<string, bigint>();
  for (const r of records) {
    const h = createHash('sha256');
    h.update(String(r.timestamp));
    for (const part of [r.key, r.value, ...r.headers.flatMap(([k, v]) => [Buffer.from(k), v])]) {
      h.update(part === null ? '\u0000n' : `\u0000${part.length}:`);
      if (part) h.update(part);
    }
    const k = h.digest('hex');
    const prev = seen.get(k);
    if (prev !== undefined) return [prev, r.offset];
    seen.set(k, r.offset);
  }
  return null;
}

function pair(s: OffsetSync) {
  return { upstream: s.upstreamOffset, downstream: s.downstreamOffset };
}
