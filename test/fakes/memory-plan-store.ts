import type {
  DecideResult,
  PlanState,
  PlanStorePort,
  StoredPlan,
} from '../../src/approval/plan-store-port.js';

const FINAL: PlanState[] = ['executed', 'failed', 'superseded', 'refused'];
const copy = <T>(x: T): T => structuredClone(x);

/** The plan store in memory, with the Redis store's state machine (the contract suite holds both to it). */
export class MemoryPlanStore implements PlanStorePort {
  readonly plans = new Map<string, StoredPlan>();
  private readonly byResource = new Map<string, string>();
  private readonly approved = new Map<string, number>();

  async create(plan: StoredPlan): Promise<StoredPlan | undefined> {
    const previous = this.byResource.get(plan.resource);
    this.byResource.set(plan.resource, plan.id);
    this.plans.set(plan.id, copy(plan));
    if (!previous || previous === plan.id) return undefined;
    const old = await this.transition(
      previous,
      'superseded',
      ['pending'],
      `replaced by plan ${plan.id.slice(0, 8)}`,
    );
    return old.result === 'ok' ? old.plan : undefined;
  }

  async get(id: string): Promise<StoredPlan | undefined> {
    const p = this.plans.get(id);
    return p ? copy(p) : undefined;
  }

  async setMessage(id: string, channel: string, ts: string): Promise<void> {
    const p = this.plans.get(id);
    if (p) Object.assign(p, { channel, ts });
  }

  async decide(
    id: string,
    user: string,
    action: 'approve' | 'reject',
    now = Date.now(),
  ): Promise<{ result: DecideResult; plan?: StoredPlan }> {
    const p = this.plans.get(id);
    if (!p) return { result: 'missing' };
    if (p.state !== 'pending') return { result: `state:${p.state}`, plan: copy(p) };
    if (now > p.expiresAt) {
      p.state = 'expired';
      return { result: 'expired', plan: copy(p) };
    }
    const d = { user, at: new Date(now).toISOString() };
    if (action === 'reject') {
      p.rejectedBy = d;
      p.state = 'rejected';
      return { result: 'rejected', plan: copy(p) };
    }
    if (p.approvals.some((a) => a.user === user)) return { result: 'duplicate', plan: copy(p) };
    p.approvals.push(d);
    if (p.approvals.length < p.needed) return { result: 'recorded', plan: copy(p) };
    p.state = 'approved';
    p.approvedAt = now;
    this.approved.set(id, now);
    return { result: 'approved', plan: copy(p) };
  }

  async transition(id: string, to: PlanState, from: PlanState[], result = '') {
    const p = this.plans.get(id);
    if (!p) return { result: 'missing' };
    if (!from.includes(p.state)) return { result: `state:${p.state}`, plan: copy(p) };
    p.state = to;
    if (to === 'executing') p.attempts = (p.attempts ?? 0) + 1;
    if (FINAL.includes(to)) {
      p.result = result;
      this.approved.delete(id);
    }
    return { result: 'ok', plan: copy(p) };
  }

  async approvedBefore(beforeMs: number): Promise<string[]> {
    return [...this.approved].filter(([, at]) => at <= beforeMs).map(([id]) => id);
  }

  async forgetApproved(id: string): Promise<void> {
    this.approved.delete(id);
  }

  async restoreApproved(plan: StoredPlan): Promise<'restored' | 'present'> {
    const cur = this.plans.get(plan.id);
    if (cur && cur.state !== 'pending') return 'present';
    this.plans.set(plan.id, copy({ ...plan, state: 'approved' }));
    this.approved.set(plan.id, plan.approvedAt ?? Date.now());
    return 'restored';
  }
}
