import type { Refusal } from '../pipeline/change.js';
import type { OffsetChange } from './commit-plan.js';
import type { TranslationReport } from './types.js';

export interface GroupOffsets {
  group: string;
  changes: OffsetChange[];
  skipped: Array<{ topic: string; partition: number; reason: string }>;
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
