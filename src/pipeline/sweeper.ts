import type { PlanStorePort } from '../approval/plan-store-port.js';
import type { Logger } from '../core/logger.js';
import type { AuditPort } from './ports.js';

export interface SweepDeps {
  plans: PlanStorePort;
  hasLiveJob(planId: string): Promise<boolean>;
  requeue(planId: string): Promise<void>;
  audit: AuditPort;
  log: Logger;
}

/**
 * An approved plan always runs: approval and queueing are two writes, so the worker looks for approved (or
 * interrupted) plans that no job will run, and queues them. Plans approved within `graceMs` are left to the
 * click that approved them. Returns the plans it queued.
 */
export async function sweepApproved(d: SweepDeps, graceMs: number, now = Date.now()): Promise<string[]> {
  const queued: string[] = [];
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
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepApproved(d, everyMs)
      .catch((err: Error) => d.log.error({ err: err.message }, 'sweep of approved plans failed'))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
