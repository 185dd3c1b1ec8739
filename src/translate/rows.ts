import type { CommittedOffset } from '../kafka/types.js';
import type { StampedCheckpoint } from '../mm2/topics.js';
import type { TranslationFlag, TranslationRow } from './types.js';

export interface ForwardInput {
  checkpoints: StampedCheckpoint[];
  /** The group's commits on the source (flow topics only), or null when the source did not answer. */
  fromCommits: CommittedOffset[] | null;
  toCommits: CommittedOffset[];
  toEnds: Map<string, bigint[]>;
  /** Source topic → its name on the target (the flow's replication policy). */
  toTopicOf: (fromTopic: string) => string;
  /** Target topic → the source topic, for checkpoints whose source commit is unknown. */
  fromTopicOf: (toTopic: string) => string;
  now: number;
  rpoMs: number;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * One row per partition the group has a checkpoint or a source commit for. The translated offset is the
 * checkpoint's downstream offset, exactly what RemoteClusterUtils.translateOffsets returns (last record wins).
 */
export function forwardRows(i: ForwardInput): TranslationRow[] {
  const rows = new Map<string, TranslationRow>();
  const row = (fromTopic: string, toTopic: string, partition: number): TranslationRow => {
    const k = key(toTopic, partition);
    let r = rows.get(k);
    if (!r) {
      r = {
        fromTopic,
        toTopic,
        partition,
        fromCommitted: null,
        basis: null,
        translated: null,
        toCommitted: null,
        delta: null,
        toEnd: null,
        ageMs: null,
        flags: [],
      };
      rows.set(k, r);
    }
    return r;
  };
  for (const c of i.checkpoints) {
    const r = row(i.fromTopicOf(c.topic), c.topic, c.partition);
    r.basis = Number(c.upstreamOffset);
    r.translated = Number(c.downstreamOffset);
    r.ageMs = Math.max(0, i.now - c.timestamp);
  }
  for (const c of i.fromCommits ?? [])
    row(c.topic, i.toTopicOf(c.topic), c.partition).fromCommitted = Number(c.offset);
  const toCommitted = new Map(i.toCommits.map((c) => [key(c.topic, c.partition), Number(c.offset)]));
  for (const r of rows.values()) {
    r.toCommitted = toCommitted.get(key(r.toTopic, r.partition)) ?? null;
    const end = i.toEnds.get(r.toTopic)?.[r.partition];
    r.toEnd = end === undefined ? null : Number(end);
    r.flags = flagsOf(r, i.rpoMs, i.fromCommits !== null);
    r.delta = r.translated !== null && r.toCommitted !== null ? r.translated - r.toCommitted : null;
  }
  return sortRows([...rows.values()]);
}

/**
 * Stale: the checkpoint is older than the flow's RPO and does not match the group's source commit (or the source
 * could not be asked). An idle group's old checkpoint that equals its commit is current, not stale.
 */
export function flagsOf(r: TranslationRow, rpoMs: number, fromKnown: boolean): TranslationFlag[] {
  const flags: TranslationFlag[] = [];
  if (r.translated === null) {
    flags.push('no-checkpoint');
    return flags;
  }
  if (r.toEnd === null || r.translated > r.toEnd) flags.push('beyond-end');
  if (r.toCommitted !== null && r.translated < r.toCommitted) flags.push('would-rewind');
  const current = fromKnown && r.fromCommitted !== null && r.fromCommitted === r.basis;
  if (r.ageMs !== null && r.ageMs > rpoMs && !current) flags.push('stale');
  return flags;
}

export function sortRows(rows: TranslationRow[]): TranslationRow[] {
  return rows.sort((a, b) =>
    a.toTopic === b.toTopic ? a.partition - b.partition : a.toTopic < b.toTopic ? -1 : 1,
  );
}
