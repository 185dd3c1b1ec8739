import type { Refusal } from '../pipeline/change.js';
import type { OffsetChange } from './commit-plan.js';
import type { TranslationReport } from './types.js';

export interface GroupOffsets {
  group: string;
  changes: OffsetChange[];
  skipped: Array<{ topic: string; partition: number; reason: string }>;
  /**
   * With `--exact`: records the group reads again after the write, with kdr's offsets and with MM2's checkpoints
   * alone, over the partitions written; `noCheckpoint` partitions kdr proved have no MM2 figure at all (the
   * consumer would start there per its auto.offset.reset).
   */
  rereads?: { kdr: number; mm2: number; noCheckpoint: number; proven: number; partitions: number };
  /**
   * Unplanned failover: partitions whose offset comes from kdr's stored proofs, and the records that saves against
   * MM2's checkpoints (what the group consumed after the proof is unknown: the source is gone).
   */
  stored?: { partitions: number; fromProofs: number; saved: number };
}

/** One plan for many groups: what is written per group, which groups are refused (and why), which are done. */
export interface OffsetsBody {
  flow: string;
  direction: TranslationReport['direction'];
  cluster: string;
  groups: GroupOffsets[];
  refused: Array<{ group: string; refusals: Refusal[] }>;
  unchanged: string[];
}
