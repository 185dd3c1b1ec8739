/** Offset translation results: what a group would resume at on the other cluster. */

export type TranslationFlag = 'beyond-end' | 'would-rewind' | 'no-checkpoint' | 'stale' | 'no-sync';

export interface TranslationRow {
  /** The topic the group consumed (on the cluster it leaves). */
  fromTopic: string;
  /** The same data on the cluster the group moves to. */
  toTopic: string;
  partition: number;
  /** The group's committed offset where it leaves; null when that cluster did not answer or has none. */
  fromCommitted: number | null;
  /** The offset the translation is based on (the checkpoint's upstream offset, or the failback sync's). */
  basis: number | null;
  /** Where the group resumes; null when nothing translates. */
  translated: number | null;
  /** The group's committed offset on the cluster it moves to, if any. */
  toCommitted: number | null;
  /** translated − toCommitted (null without both). */
  delta: number | null;
  toEnd: number | null;
  /** Age of the checkpoint record the translation came from. */
  ageMs: number | null;
  flags: TranslationFlag[];
  /** With `--exact`: where `translated` came from. */
  method?: 'exact' | 'checkpoint';
  /** With `--exact`: kdr's proof and MM2's figure side by side. */
  exact?: ExactRow;
}

export interface ExactRow {
  proven: boolean;
  /** The proven target offset of the group's next record; null when kdr could not prove one. */
  offset: number | null;
  /** MM2's figure for the partition (the checkpoint's downstream offset); null without a checkpoint. */
  mm2: number | null;
  /** Records the group would read again with MM2's figure and not with kdr's (offset − mm2). */
  rereadsSaved: number | null;
  /**
   * Records the group reads again with MM2's figure: proven, offset − mm2 (negative: MM2 would skip); else estimated
   * from the offset syncs like `lag`'s predicted re-reads. Null without a checkpoint or a source commit.
   */
  mm2Rereads?: number | null;
  /** Why kdr fell back to MM2's figure for this partition. */
  reason?: string;
  /** Something worth knowing about MM2's figure (e.g. it is past the group's position). */
  note?: string;
  /**
   * Unplanned failover: the offset comes from kdr's newest stored proof (the source is gone), for the source commit
   * `committed` read at `at`; `why` says how it was weighed against MM2's checkpoint.
   */
  stored?: { committed: number; at: string; why: string };
}

export interface ExactSummary {
  partitions: number;
  proven: number;
  rereadsSaved: number;
  /** The offset-syncs topic kdr anchored its proofs on. */
  syncsTopic: string | null;
  /** Unplanned failover: the proofs came from the worker's store (the source did not answer). */
  stored?: { used: number; oldest: string | null };
}

export interface GroupTranslation {
  group: string;
  /** Members and state of the group on the cluster it moves to. */
  toState: string;
  toMembers: number;
  rows: TranslationRow[];
}

export interface CheckpointOrigin {
  kind: 'index' | 'scan' | 'offset-syncs';
  topic: string | null;
  /** How old the index is (time since it last reached the topic's end), for kind=index. */
  indexAgeMs?: number;
  /** Why the index was not used, when it was not. */
  note?: string;
  records?: number;
}

export interface TranslationReport {
  generatedAt: string;
  flow: string;
  direction: 'failover' | 'failback';
  /** The cluster the groups leave, and the one they move to. */
  from: string;
  to: string;
  fromReachable: boolean;
  fromError?: string;
  origin: CheckpointOrigin;
  rpoMs: number;
  groups: GroupTranslation[];
  problems: string[];
  /** With `--exact`: how many partitions were proven, and the re-reads saved against MM2's checkpoints. */
  exact?: ExactSummary;
}
