import type { DecideResult, PlanState, StoredPlan } from './plan-store.js';

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
}
