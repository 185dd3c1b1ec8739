export type PlanState =
  | 'pending'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'superseded'
  | 'executing'
  | 'executed'
  | 'failed'
  /** Executed, and the executor refused to act on the live state (it changed): nothing was done. */
  | 'refused';

export interface Decision {
  user: string;
  at: string;
}

/** A mutating command waiting for (or past) its approval. Bound to `hash`: what was shown is what runs. */
export interface StoredPlan {
  id: string;
  /** What executes it, e.g. `translate.commit`. */
  kind: string;
  /** The resource it changes: the lock and the "replaced" rule are per resource. */
  resource: string;
  subject: Record<string, string>;
  /** Arguments the executor needs to re-plan from the live state (no secrets). */
  args: Record<string, unknown>;
  hash: string;
  /**
   * What the approved plan does, as JSON text (offsets, actions; no secrets): the executor checks the live state
   * against it. Text, because the Lua scripts re-encode the plan and cjson turns an empty list into an object.
   */
  body?: string;
  /** The plan in words, as shown in the approval message. */
  text: string;
  requester: string;
  channel: string;
  ts?: string;
  createdAt: number;
  expiresAt: number;
  needed: number;
  approvals: Decision[];
  rejectedBy?: Decision;
  state: PlanState;
  result?: string;
  /** A person's confirmation of a fact (a runbook's cutover): any approver, the requester included. */
  confirmOnly?: boolean;
  /** Times execution started (more than 1: resumed after a worker died). */
  attempts?: number;
  approvedAt?: number;
}

export type DecideResult =
  | 'approved'
  | 'recorded'
  | 'duplicate'
  | 'expired'
  | 'missing'
  | 'rejected'
  | `state:${PlanState}`;

/** The plan store as the pipeline and the approval handlers use it (Redis: plan-store.ts; memory: test/fakes). */
export interface PlanStorePort {
  /** Stores a new plan; a pending plan for the same resource is superseded by it (and returned). */
  create(plan: StoredPlan): Promise<StoredPlan | undefined>;
  get(id: string): Promise<StoredPlan | undefined>;
  setMessage(id: string, channel: string, ts: string): Promise<void>;
  decide(
    id: string,
    user: string,
    action: 'approve' | 'reject',
    now?: number,
  ): Promise<{ result: DecideResult; plan?: StoredPlan }>;
  /** Moves the plan to `to` if it is in one of `from`; answers `ok` or `state:<state>`. */
  transition(
    id: string,
    to: PlanState,
    from: PlanState[],
    result?: string,
  ): Promise<{ result: string; plan?: StoredPlan }>;
  approvedBefore(beforeMs: number): Promise<string[]>;
  forgetApproved(id: string): Promise<void>;
  /**
   * Puts back an approved plan that Redis lost (gone, or pending again after a master switch), with its approvals,
   * into the approved index; `present` when Redis has it approved or further on, which is left alone.
   */
  restoreApproved(plan: StoredPlan): Promise<'restored' | 'present'>;
}
