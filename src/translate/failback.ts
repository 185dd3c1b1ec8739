import type { CommittedOffset } from '../kafka/types.js';
import type { OffsetSync } from '../mm2/offset-sync-codec.js';
import { sortRows } from './rows.js';
import type { TranslationRow } from './types.js';

/**
 * Failback: the group consumed the replicated topics on the target (`primary.orders`) and goes back to the
 * source (`orders`). MM2 keeps no checkpoints in that direction unless a reverse flow ran, so kdr inverts the
 * forward offset syncs, the same rule MM2 applies forwards: with the newest sync whose downstream offset is at
 * or below the group's position d, the source position is `sync.upstream` when d is the sync point, else
 * `sync.upstream + 1` (the records in between are read again, never skipped). No such sync → not translatable.
 */
export function invertSync(
  d: bigint,
  syncs: OffsetSync[] | undefined,
): { offset: bigint; sync: OffsetSync } | null {
  const sync = (syncs ?? []).findLast((s) => s.downstreamOffset <= d);
  if (!sync) return null;
  return { offset: sync.upstreamOffset + (d === sync.downstreamOffset ? 0n : 1n), sync };
}

export interface FailbackInput {
  /** The group's commits on the target cluster (the one it leaves now). */
  fromCommits: CommittedOffset[];
  /** Forward offset syncs per `sourceTopic:partition`, since the last reset. */
  syncs: Map<string, OffsetSync[]>;
  /** Target topic → source topic, or null for topics that are not replicas of this flow's source. */
  sourceTopicOf: (targetTopic: string) => string | null;
  toCommits: CommittedOffset[];
  toEnds: Map<string, bigint[]>;
}

export function failbackRows(i: FailbackInput): TranslationRow[] {
  const toCommitted = new Map(i.toCommits.map((c) => [`${c.topic}:${c.partition}`, Number(c.offset)]));
  const rows: TranslationRow[] = [];
  for (const c of i.fromCommits) {
    const sourceTopic = i.sourceTopicOf(c.topic);
    if (sourceTopic === null) continue;
    const k = `${sourceTopic}:${c.partition}`;
    const inv = invertSync(c.offset, i.syncs.get(k));
    const end = i.toEnds.get(sourceTopic)?.[c.partition];
    const r: TranslationRow = {
      fromTopic: c.topic,
      toTopic: sourceTopic,
      partition: c.partition,
      fromCommitted: Number(c.offset),
      basis: inv ? Number(inv.sync.downstreamOffset) : null,
      translated: inv ? Number(inv.offset) : null,
      toCommitted: toCommitted.get(k) ?? null,
      delta: null,
      toEnd: end === undefined ? null : Number(end),
      ageMs: null,
      flags: [],
    };
    if (r.translated === null) r.flags.push('no-sync');
    else {
      if (r.toEnd === null || r.translated > r.toEnd) r.flags.push('beyond-end');
      if (r.toCommitted !== null && r.translated < r.toCommitted) r.flags.push('would-rewind');
      if (r.toCommitted !== null) r.delta = r.translated - r.toCommitted;
    }
    rows.push(r);
  }
  return sortRows(rows);
}
