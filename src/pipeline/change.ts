import type { z } from 'zod';
import type { Config } from '../config/load.js';
import type { ErrorCode } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Ports } from './ports.js';

/** A reason not to do something, as data: shown to the user with what to do about it. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  hint: string;
}

/** What a change will do, made read-only from the live state. */
export interface ChangePlan<B = unknown> {
  /** SHA-256 of exactly what will be done: a confirmation or an approval is bound to it. */
  hash: string;
  /** The plan in words, as shown for confirmation or approval. */
  text: string;
  /** The plan as data (no secrets); stored with the approval, handed to the executor. */
  body: B;
  /** Reasons not to do any of it: a plan with refusals is shown, never executed. */
  refusals: Refusal[];
  /** Nothing to do: the live state already is what the change would make it. */
  empty: boolean;
  /** One line, e.g. `commit offsets of 50 group(s) on dr`. */
  summary: string;
  /** Shown to the user beside the plan (e.g. the translation it was made from); not part of the hash. */
  view?: unknown;
}

/** What an executor may do besides its own effects. */
export interface ApplyIO {
  /** Throws KDR_LOCK_LOST unless this execution still holds its lock: call it before each external write. */
  guard(): Promise<void>;
  /** Sub-progress of this plan, kept across crashes: a part marked done is never done again. */
  isDone(part: string): Promise<boolean>;
  markDone(part: string): Promise<void>;
  /** Waits `changes.pace` between parts. */
  pace(): Promise<void>;
  log: Logger;
}

export interface Applied {
  ok: boolean;
  /** One word for the audit trail: `written`, `applied`, `broken`, `already applied`. */
  outcome: string;
  text: string;
  verified: boolean;
  detail?: Record<string, unknown>;
  /** The result as data, for the command's view. */
  data?: unknown;
}

/** How the live plan (made again at execution) relates to the approved one. */
export type Reconciled =
  | { kind: 'same' }
  | { kind: 'applied' }
  | { kind: 'resume' }
  | { kind: 'changed'; why: string };

export interface ChangeEnv {
  config: Config;
  log: Logger;
  ports: Ports;
}

/**
 * A change kdr can make: how to plan it (read-only) and how to execute an approved plan. The pipeline
 * (run-change.ts, execute-approved.ts) does the rest the same way for every change: lock, audit, confirmation or
 * approval, re-plan under the lock, execute once, verify, audit.
 */
export interface Change<A = unknown, B = unknown> {
  /** `translate.commit`: stored with the plan, names its executor. */
  kind: string;
  /** Audit actions of the terminal path: `<audit>.plan`, `.confirm`, `.execute`, `.verify`. */
  audit: string;
  /** The terminal's question after the plan, e.g. `Commit these offsets?`. */
  prompt: string;
  /** Validates the stored arguments in the worker (the same schema on both sides). */
  args: z.ZodType<A>;
  /** The lock held while re-planning and executing. */
  resource(a: A): string;
  /** A newer plan with the same key replaces a pending one. */
  planKey(a: A): string;
  /** What the audit trail and the approval message name; `plan` once it is made. */
  subject(a: A, plan?: ChangePlan<B>): Record<string, string>;
  /** What the lock holder is doing, in the lock's value. */
  describe(a: A): string;
  plan(env: ChangeEnv, a: A): Promise<ChangePlan<B>>;
  /** Arguments to store with an approval: pinned to what the plan covers (e.g. `--all` → the groups it found). */
  pin?(a: A, plan: ChangePlan<B>): A;
  /** `resumed`: an earlier execution of this plan started (and died). */
  reconcile(approved: ChangePlan<B>, live: ChangePlan<B>, resumed: boolean): Reconciled;
  apply(env: ChangeEnv, a: A, approved: ChangePlan<B>, live: ChangePlan<B>, io: ApplyIO): Promise<Applied>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds changes of every argument/body type
export type AnyChange = Change<any, any>;
