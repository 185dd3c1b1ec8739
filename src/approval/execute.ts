import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit-log.js';
import { applyRestore, RESTORE_LOCK_TTL_MS, type RestoreRequest } from '../backup/restore-apply.js';
import { findFlow } from '../config/find-flow.js';
import type { Config } from '../config/load.js';
import { formatDuration } from '../core/duration.js';
import type { Logger } from '../core/logger.js';
import { ResourceLocks } from '../locks/resource-lock.js';
import type { Poster } from '../slack/poster.js';
import { CheckpointIndex } from '../translate/checkpoint-index.js';
import { COMMIT_LOCK_TTL_MS, writeAndVerify } from '../translate/commit.js';
import { planCommit } from '../translate/commit-plan.js';
import { gatherTranslation } from '../translate/gather.js';
import { updateMessage } from './decide.js';
import type { PlanStore, StoredPlan } from './plan-store.js';

export interface ExecDeps {
  config: Config;
  log: Logger;
  redis: Redis;
  prefix: string;
  plans: PlanStore;
  audit: AuditLog;
  poster: Poster;
}

type Executor = (d: ExecDeps, plan: StoredPlan) => Promise<{ ok: boolean; text: string }>;

/** The plan's resource lock, held by the approved plan (who approved it, doing what) while it executes. */
function lockFor(d: ExecDeps, plan: StoredPlan, what: string, ttlMs: number) {
  return new ResourceLocks(d.redis, d.prefix).acquire(
    plan.resource,
    {
      who: `plan ${plan.id.slice(0, 8)} (approved by ${plan.approvals.map((x) => x.user).join(', ')})`,
      what,
      pid: process.pid,
      host: hostname(),
      at: new Date().toISOString(),
    },
    ttlMs,
  );
}

/** `translate.commit`: re-plans from the live state; runs only if that equals the approved plan (same hash). */
const translateCommit: Executor = async (d, plan) => {
  const a = plan.args as {
    flow: string;
    group: string;
    failback: boolean;
    allowRewind: boolean;
    acceptStale: boolean;
  };
  const flow = findFlow(d.config, a.flow);
  const report = await gatherTranslation(d.config, d.log, {
    flow,
    groups: [a.group],
    all: false,
    from: 'auto',
    failback: a.failback,
    index: new CheckpointIndex(d.redis, d.prefix),
  });
  const live = planCommit(report, report.groups[0]!, {
    allowRewind: a.allowRewind,
    acceptStale: a.acceptStale,
  });
  if (live.refusals.length)
    return { ok: false, text: `refused now: ${live.refusals.map((r) => r.message).join('; ')}` };
  if (live.plan.hash !== plan.hash)
    return {
      ok: false,
      text: `the live state no longer matches the approved plan (sha256 now ${live.plan.hash.slice(0, 12)}): MM2 checkpointed again or the group moved. Nothing was written; run the command again to re-plan.`,
    };
  const lock = await lockFor(d, plan, `translate --commit ${a.group}`, COMMIT_LOCK_TTL_MS);
  if (!lock.ok)
    return {
      ok: false,
      text: `${a.group} is locked by ${lock.holder.who} (${lock.holder.what}) for ${Math.round(lock.ageMs / 1000)} s; nothing was written`,
    };
  try {
    const verified = await writeAndVerify(d.config, d.log, report.to, a.group, live.plan);
    return verified
      ? {
          ok: true,
          text: `committed ${live.plan.changes.length} partition(s) of ${a.group} on ${report.to}; read back: equal`,
        }
      : { ok: false, text: `offsets of ${a.group} on ${report.to} read back differ from the plan` };
  } finally {
    await lock.release();
  }
};

/** `lock.break`: deletes the lock only if it is still the one the plan showed (same holder and start). */
const lockBreak: Executor = async (d, plan) => {
  const a = plan.args as { resource: string; at: string };
  const broken = await new ResourceLocks(d.redis, d.prefix).breakIf(a.resource, a.at);
  return broken
    ? { ok: true, text: `lock ${a.resource} broken` }
    : {
        ok: false,
        text: `the lock ${a.resource} was released or taken again since the plan; nothing was done`,
      };
};

/** `backup.restore`: re-plans against the target's live state; applies only the approved plan (same hash). */
const backupRestore: Executor = async (d, plan) => {
  const r = plan.args as unknown as RestoreRequest;
  const lock = await lockFor(d, plan, `restore ${r.backupId}`, RESTORE_LOCK_TTL_MS);
  if (!lock.ok)
    return {
      ok: false,
      text: `${r.to} is locked by ${lock.holder.who} (${lock.holder.what}) for ${Math.round(lock.ageMs / 1000)} s; nothing was restored`,
    };
  try {
    const out = await applyRestore(d.config, d.log, r, plan.hash);
    const failed = out.steps.find((s) => !s.ok);
    const applied = out.steps.filter((s) => s.ok).length;
    return {
      ok: !failed && out.remaining.length === 0,
      text: failed
        ? `applied ${applied} of ${out.plan.actions.length} action(s) on ${r.to}, then failed: ${failed.action}: ${failed.detail}. Re-run the restore to plan from what is there now`
        : `applied ${applied} action(s) on ${r.to}; ${out.remaining.length ? `a new plan still lists ${out.remaining.length}: ${out.remaining.slice(0, 2).join('; ')}` : 'verified: a new plan is empty'}`,
    };
  } catch (err) {
    return { ok: false, text: (err as Error).message };
  } finally {
    await lock.release();
  }
};

const EXECUTORS: Record<string, Executor> = {
  'translate.commit': translateCommit,
  'lock.break': lockBreak,
  'backup.restore': backupRestore,
};

/**
 * Runs an approved plan once: approved → executing (a retry after a crash may resume an executing plan; every
 * executor is idempotent) → executed | failed. Progress, result and duration go into the approval message.
 */
export async function executePlan(d: ExecDeps, planId: string): Promise<string> {
  const start = await d.plans.transition(planId, 'executing', ['approved', 'executing']);
  if (start.result !== 'ok' || !start.plan) return `not run: ${start.result}`;
  const plan = start.plan;
  const actor = {
    transport: 'worker' as const,
    user: plan.approvals.map((x) => x.user).join(','),
    via: 'approved plan',
  };
  const where = plan.ts ? { channel: plan.channel, ts: plan.ts } : undefined;
  await updateMessage(d, plan);
  await d.audit.append({
    action: 'plan.execute',
    actor,
    subject: plan.subject,
    outcome: 'started',
    planId,
    planHash: plan.hash,
    ...(where ? { where } : {}),
  });
  const t0 = Date.now();
  let res: { ok: boolean; text: string };
  const executor = EXECUTORS[plan.kind];
  try {
    res = executor ? await executor(d, plan) : { ok: false, text: `no executor for ${plan.kind}` };
  } catch (err) {
    res = { ok: false, text: `failed: ${(err as Error).message}` };
  }
  const text = `${res.text} (${formatDuration(Date.now() - t0)})`;
  const done = await d.plans.transition(planId, res.ok ? 'executed' : 'failed', ['executing'], text);
  await d.audit.append({
    action: 'plan.execute',
    actor,
    subject: plan.subject,
    outcome: res.ok ? `executed: ${text}` : `failed: ${text}`,
    planId,
    planHash: plan.hash,
    ...(where ? { where } : {}),
  });
  if (done.plan) await updateMessage(d, done.plan);
  return text;
}
