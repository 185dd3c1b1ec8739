import type { ApprovalJournal } from '../approval/approval-journal.js';
import type { PlanStorePort } from '../approval/plan-store-port.js';
import type { Logger } from '../core/logger.js';
import { startPeriodic } from '../core/periodic.js';
import type { AuditPort } from './ports.js';

export interface SweepDeps {
  plans: PlanStorePort;
  hasLiveJob(planId: string): Promise<boolean>;
  requeue(planId: string): Promise<void>;
  audit: AuditPort;
  log: Logger;
  /** Approvals kept outside Redis: one Redis lost in a master switch is put back before the sweep. */
  journal?: ApprovalJournal;
}

const PAST_APPROVAL = new Set(['approved', 'executing', 'executed', 'failed', 'refused', 'superseded']);
const KEEP_AFTER_EXPIRY_MS = 24 * 3600_000;

/**
 * Redis replicates asynchronously: a master switch can take an approval back (the plan pending again, or gone),
 * and the approval message already said "approved". Each journaled approval is compared with Redis: put back (and
 * audited) when Redis lost it, forgotten once Redis shows the plan executed or otherwise past its approval.
 */
export async function restoreLostApprovals(d: SweepDeps, now = Date.now()): Promise<string[]> {
  const restored: string[] = [];
  for (const kept of d.journal?.entries() ?? []) {
    const live = await d.plans.get(kept.id);
    if (live && PAST_APPROVAL.has(live.state)) {
      if (live.state !== 'approved' && live.state !== 'executing') d.journal!.forget(kept.id);
      continue;
    }
    if (live && live.state !== 'pending') {
      d.journal!.forget(kept.id); // rejected or expired in Redis after all: a person decided again
      continue;
    }
    if (!live && now > kept.expiresAt + KEEP_AFTER_EXPIRY_MS) {
      d.journal!.forget(kept.id);
      continue;
    }
    if ((await d.plans.restoreApproved(kept)) !== 'restored') continue;
    await d.audit.append({
      action: 'plan.restore',
      actor: { transport: 'worker', user: 'kdr', via: 'sweeper' },
      subject: kept.subject,
      outcome: `restored: Redis had ${live ? 'the plan pending again' : 'lost the plan'} (a master switch?); approved by ${kept.approvals.map((a) => a.user).join(', ')} at ${new Date(kept.approvedAt ?? now).toISOString()}, from the journal in ${d.journal!.dir}`,
      planId: kept.id,
      planHash: kept.hash,
      ...(kept.ts ? { where: { channel: kept.channel, ts: kept.ts } } : {}),
    });
    d.log.warn({ plan: kept.id }, 'put back an approval Redis had lost');
    restored.push(kept.id);
  }
  return restored;
}

/**
 * An approved plan always runs: approval and queueing are two writes, so the worker looks for approved (or
 * interrupted) plans that no job will run, and queues them. Plans approved within `graceMs` are left to the
 * click that approved them. Returns the plans it queued.
 */
export async function sweepApproved(d: SweepDeps, graceMs: number, now = Date.now()): Promise<string[]> {
  const queued: string[] = [];
  await restoreLostApprovals(d, now);
  for (const id of await d.plans.approvedBefore(now - graceMs)) {
    const plan = await d.plans.get(id);
    if (!plan || (plan.state !== 'approved' && plan.state !== 'executing')) {
      await d.plans.forgetApproved(id);
      continue;
    }
    if (await d.hasLiveJob(id)) continue;
    await d.requeue(id);
    await d.audit.append({
      action: 'plan.queue',
      actor: { transport: 'worker', user: 'kdr', via: 'sweeper' },
      subject: plan.subject,
      outcome: `queued by the sweeper: the ${plan.state} plan had no job`,
      planId: id,
      planHash: plan.hash,
      ...(plan.ts ? { where: { channel: plan.channel, ts: plan.ts } } : {}),
    });
    d.log.warn({ plan: id, state: plan.state }, 'queued an approved plan that had no job');
    queued.push(id);
  }
  return queued;
}

/** Runs the sweep every `everyMs` until stopped; a failed sweep is logged and tried again next time. */
export function startSweeper(d: SweepDeps, everyMs: number): { stop(): void } {
  return startPeriodic(
    everyMs,
    () => sweepApproved(d, everyMs),
    (err) => d.log.error({ err: err.message }, 'sweep of approved plans failed'),
  );
}
