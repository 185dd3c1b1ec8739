import { z } from 'zod';
import type { Change } from '../pipeline/change.js';
import { restorePlanText } from '../render/restore-view.js';
import { applyRestorePlan, describeAction, planFromRequest, type RestoreRequest } from './restore-apply.js';
import { RESTORE_PARTS, type RestorePlan } from './restore-plan.js';

export const restoreArgs = z.object({
  backupId: z.string().min(1),
  to: z.string().min(1),
  only: z.array(z.enum(RESTORE_PARTS)).min(1).optional(),
  topics: z.string().optional(),
  map: z.boolean().optional(),
  addPartitions: z.boolean().optional(),
  allowRewind: z.boolean().optional(),
  replicationFactor: z.number().int().min(1).optional(),
}) satisfies z.ZodType<RestoreRequest>;

/** The approved restore as data: its actions in words (the executor compares the live plan with them). */
export interface RestoreBody {
  actions: string[];
}

/**
 * `restore`: a backup's declarative state onto a cluster, additive and idempotent. Planned against the live
 * target; executing plans again under the lock and applies only what the approved plan holds.
 */
export const restoreChange: Change<RestoreRequest, RestoreBody> = {
  kind: 'backup.restore',
  audit: 'restore',
  prompt: 'Apply this restore?',
  args: restoreArgs,
  resource: (r) => `restore:${r.to}`,
  planKey: (r) => `restore:${r.to}`,
  subject: (r) => ({ backup: r.backupId, cluster: r.to }),
  describe: (r) => `restore ${r.backupId}`,
  plan: async (env, r) => {
    const { plan } = await planFromRequest(env.config, env.log, r);
    const run = await env.ports.runs?.activeOn(r.to);
    return {
      hash: plan.hash,
      text: restorePlanText(plan),
      body: { actions: plan.actions.map(describeAction) },
      refusals: run
        ? [
            {
              code: 'KDR_RUN_ACTIVE',
              message: `run ${run} holds ${r.to}: restores there are refused while it runs`,
              hint: `wait for it, or abort it: \`kdr runbook ${run}\``,
            },
          ]
        : [],
      empty: plan.actions.length === 0 && !run,
      summary: `restore ${r.backupId} onto ${r.to}: ${plan.actions.length} action(s)`,
      view: plan,
    };
  },
  reconcile: (approved, live, resumed) => {
    if (live.hash === approved.hash) return { kind: 'same' };
    if (live.empty) return { kind: 'applied' };
    // after a crash part of it is applied: what is left must be part of what was approved
    const approvedActions = new Set(approved.body.actions);
    if (resumed && live.body.actions.every((a) => approvedActions.has(a))) return { kind: 'resume' };
    return { kind: 'changed', why: `the target changed since the plan` };
  },
  apply: async (env, r, _approved, live, io) => {
    const out = await applyRestorePlan(env.config, env.log, r, live.view as RestorePlan, io.guard);
    const failed = out.steps.find((s) => !s.ok);
    const applied = out.steps.filter((s) => s.ok).length;
    return {
      ok: !failed && out.remaining.length === 0,
      outcome: failed ? `failed: ${failed.action}: ${failed.detail}` : 'applied',
      verified: out.remaining.length === 0,
      detail: { applied, of: out.plan.actions.length, remaining: out.remaining.length },
      text: failed
        ? `applied ${applied} of ${out.plan.actions.length} action(s) on ${r.to}, then failed: ${failed.action}: ${failed.detail}. Re-run the restore to plan from what is there now`
        : `applied ${applied} action(s) on ${r.to}; ${out.remaining.length ? `a new plan still lists ${out.remaining.length}: ${out.remaining.slice(0, 2).join('; ')}` : 'verified: a new plan is empty'}`,
      data: out,
    };
  },
};
