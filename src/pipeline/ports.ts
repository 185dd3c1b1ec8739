import type { PlanStorePort } from '../approval/plan-store-port.js';
import type { AuditInput } from '../audit/audit-log.js';
import type { LockPort } from '../locks/lock-port.js';
import type { CheckpointIndex } from '../translate/checkpoint-index.js';
import type { ExactProofsPort } from '../translate/proof-store.js';

/** The audit trail as a writer sees it. */
export interface AuditPort {
  /** `once`: an idempotency key; a second append with the same key writes nothing. */
  append(input: AuditInput, opts?: { once?: string }): Promise<{ id: string; hash: string }>;
}

/** Sub-progress of an executing plan (parts done), kept across crashes. */
export interface ProgressPort {
  isDone(planId: string, part: string): Promise<boolean>;
  markDone(planId: string, part: string): Promise<void>;
  /** How many parts of the plan are done. */
  count(planId: string): Promise<number>;
}

export interface OffsetAt {
  topic: string;
  partition: number;
  offset: number;
}

/** Committed offsets of consumer groups, per cluster (Kafka: src/kafka; memory: test/fakes). */
export interface GroupOffsetsPort {
  commit(cluster: string, group: string, offsets: OffsetAt[]): Promise<void>;
  read(cluster: string, group: string): Promise<OffsetAt[]>;
  close(): Promise<void>;
}

/** Everything with state that the pipeline touches, built once per process by a factory (real-ports.ts). */
export interface Ports {
  plans: PlanStorePort;
  locks: LockPort;
  audit: AuditPort;
  progress: ProgressPort;
  offsets: GroupOffsetsPort;
  /** Which runbook run holds a cluster (its pair); manual changes there are refused while one does. */
  runs?: { activeOn(cluster: string): Promise<string | undefined> };
  /** The worker's checkpoint index, where Redis is at hand (translation scans the topic without it). */
  checkpointIndex?: CheckpointIndex;
  /** The worker's newest proven exact translations (an unplanned failover resumes from them). */
  proofs?: ExactProofsPort;
}
