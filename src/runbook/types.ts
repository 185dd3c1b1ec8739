/** A run: one failover (or, later, failback) of one flow, changed only by the engine through compare-and-set. */

export type RunState =
  | 'open'
  | 'running'
  | 'waiting'
  | 'paused'
  | 'completed'
  | 'failed'
  | 'aborting'
  | 'aborted';

export type StepState =
  | 'pending'
  | 'awaiting approval'
  | 'executing'
  | 'done'
  | 'skipped'
  | 'failed'
  | 'compensated';

export type StepId =
  | 'open'
  | 'assess'
  | 'freeze'
  | 'drain'
  | 'fence'
  | 'offsets'
  | 'cutover'
  | 'registry'
  | 'verify'
  | 'declare'
  // failback only
  | 'rebuild'
  | 'reverse'
  | 'resync'
  | 'restore';

export type Gate = 'auto' | 'approval' | 'confirm';

export interface Check {
  name: string;
  pass: boolean;
  value: string | number | null;
  limit: string | number | null;
}

export interface StepRecord {
  id: StepId;
  state: StepState;
  gate: Gate;
  /** A person may skip it instead of approving it. */
  optional?: boolean;
  /** The step plan's approval (a plan in the plan store, kind `runbook.step`). */
  planId?: string;
  planHash?: string;
  /** When its plan was posted (approval wait starts) and when it started and ended executing. */
  plannedAt?: string;
  startedAt?: string;
  endedAt?: string;
  machineMs?: number;
  waitMs?: number;
  checks: Check[];
  /** One line: what it did or why it stopped. */
  result?: string;
  /** What the step left for later steps and for undo (ends at freeze, connectors it stopped, offsets before). */
  data?: Record<string, unknown>;
}

export interface Measurements {
  rtoMs?: number;
  rpoRecords?: number;
  rpoWindowMs?: number;
  rereadsPredicted?: number;
  rereadsObserved?: number;
  /** Planned failover with exact offsets: what MM2's checkpoints alone would have made the groups re-read. */
  rereadsMm2?: number;
  /** Unplanned failover: re-reads saved against MM2's checkpoints by resuming from kdr's stored proofs. */
  rereadsSaved?: number;
}

export interface Run {
  run: string;
  flow: string;
  kind: 'failover' | 'failback';
  mode: 'planned' | 'unplanned';
  drill: boolean;
  /** Failback: the failover it undoes, and what to do with writes on the old primary after that failover's freeze. */
  options?: { failoverRun?: string; orphans?: 'keep' | 'rebuild' };
  state: RunState;
  requester: string;
  /** The transport that opened it: `slack` posts to the incident channel; `cli` runs in the terminal. */
  transport: 'slack' | 'cli';
  /** The groups whose offsets move (empty: every group of the flow). */
  groups: string[];
  /** The cluster pair this run holds (one run per pair at a time). */
  pair: string;
  channel?: string;
  ts?: string;
  startedAt: string;
  endedAt?: string;
  steps: StepRecord[];
  measurements: Measurements;
  splitBrain: { records: number; partitions: number } | null;
  problems: string[];
  /** Why the run waits for a person, when it does. */
  waitingFor?: string;
  /** Compare-and-set version: every change of the document increments it. */
  version: number;
}
