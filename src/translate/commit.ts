import { hostname, userInfo } from 'node:os';
import type { Redis } from 'ioredis';
import type { AuditActor, AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ClusterReader } from '../kafka/cluster-reader.js';
import { GroupOffsetWriter } from '../kafka/group-offset-writer.js';
import { ResourceLocks } from '../locks/resource-lock.js';
import { type CommitOptions, type CommitPlan, planCommit } from './commit-plan.js';
import type { TranslationReport } from './types.js';

/** Appends one audit entry about this commit (who and what are fixed per commit). */
type Record_ = (
  action: string,
  outcome: string,
  plan?: CommitPlan,
  detail?: Record<string, unknown>,
) => Promise<unknown>;

/** How long a commit may hold its lock (it expires if the holder dies). */
export const COMMIT_LOCK_TTL_MS = 10 * 60_000;

export interface CommitResult {
  plan: CommitPlan;
  translation: TranslationReport;
  /** `written`: offsets committed and read back equal; `unchanged`: already at the translated offsets. */
  outcome: 'written' | 'unchanged';
  verified: boolean;
  durationMs: number;
  authorisedBy: string;
}

export interface CommitDeps {
  config: Config;
  log: Logger;
  redis: Redis;
  prefix: string;
  audit: AuditLog;
  actor: AuditActor;
  /** The flow, the cluster whose group offsets are written, and the direction. */
  target: { flow: string; cluster: string; direction: string };
  /** Gathers the translation of the one group, fresh (called under the lock, and again after confirmation). */
  translate: () => Promise<TranslationReport>;
  /** Asks the human; absent when nobody can answer. `yes` skips it (scripts), recorded as such. */
  confirm?: (planText: string) => Promise<boolean>;
  yes: boolean;
  render: (plan: CommitPlan) => string;
}

/** The CLI is the break-glass path: its entries say so. */
export function cliActor(via: string): AuditActor {
  return { transport: 'cli', user: `cli:${userInfo().username}@${hostname()}`, via: `${via}, break-glass` };
}

/**
 * plan → confirm → execute once → verify → audit, under a lock per flow and group held from planning to the
 * end, so a second operator is told who is already at it instead of racing them.
 */
export async function commitTranslation(
  d: CommitDeps,
  group: string,
  o: CommitOptions,
): Promise<CommitResult> {
  const started = Date.now();
  const resource = `translate:${d.target.flow}:${d.target.cluster}:${group}`;
  const subject = { flow: d.target.flow, cluster: d.target.cluster, group, direction: d.target.direction };
  const record: Record_ = (action, outcome, plan, detail) =>
    d.audit.append({
      action,
      actor: d.actor,
      subject,
      outcome,
      ...(plan ? { planId: plan.id, planHash: plan.hash } : {}),
      ...(detail ? { detail } : {}),
    });
  const lock = await new ResourceLocks(d.redis, d.prefix).acquire(
    resource,
    {
      who: d.actor.user,
      what: `translate --commit ${group}`,
      pid: process.pid,
      host: hostname(),
      at: new Date().toISOString(),
    },
    COMMIT_LOCK_TTL_MS,
  );
  if (!lock.ok) {
    await record('translate.commit', 'refused: locked', undefined, { holder: lock.holder });
    throw new KdrError(
      'KDR_LOCKED',
      `${group} on ${d.target.cluster} is locked by ${lock.holder.who} (${lock.holder.what}, pid ${lock.holder.pid} on ${lock.holder.host}) for ${Math.round(lock.ageMs / 1000)} s`,
      {
        hint: `wait for it to finish, or ask ${lock.holder.who}; the lock expires in ${Math.round(lock.ttlMs / 1000)} s if its holder died`,
        retriable: true,
      },
    );
  }
  try {
    const report = await d.translate();
    const g = report.groups[0]!;
    const { plan, refusals } = planCommit(report, g, o);
    if (refusals.length) {
      await record('translate.commit', 'refused', plan, { refusals: refusals.map((r) => r.code) });
      throw new KdrError(refusals[0]!.code, refusals.map((r) => r.message).join('; '), {
        hint: refusals.map((r) => r.hint).join('; '),
      });
    }
    if (plan.changes.length === 0) {
      await record('translate.commit', 'unchanged', plan);
      return {
        plan,
        translation: report,
        outcome: 'unchanged',
        verified: true,
        durationMs: Date.now() - started,
        authorisedBy: 'nothing to change',
      };
    }
    await record('translate.plan', 'planned', plan, {
      changes: plan.changes.length,
      skipped: plan.skipped.length,
    });
    const authorisedBy = await authorise(d, plan, record);
    // Plan-bound: what is written must be what was confirmed, so the live state is translated again.
    if (!d.yes) {
      const live = await d.translate();
      const again = planCommit(live, live.groups[0]!, o);
      if (again.plan.hash !== plan.hash || again.refusals.length) {
        await record('translate.commit', 'refused: plan changed', plan);
        throw new KdrError(
          'KDR_PLAN_CHANGED',
          `the translation of ${group} changed while waiting for confirmation`,
          {
            hint: 'MM2 checkpointed again or someone moved the group: re-run to see the new plan',
            retriable: true,
          },
        );
      }
    }
    let verified: boolean;
    try {
      verified = await writeAndVerify(d.config, d.log, report.to, group, plan);
    } catch (err) {
      await record('translate.execute', `failed: ${(err as Error).message}`, plan);
      throw err;
    }
    await record('translate.execute', 'written', plan, { authorisedBy });
    await record('translate.verify', verified ? 'verified' : 'mismatch', plan);
    if (!verified)
      throw new KdrError(
        'KDR_VERIFY_FAILED',
        `offsets of ${group} on ${report.to} read back differ from the plan`,
        {
          hint: 'something else committed for the group at the same time; run `kdr translate` again to see the state',
        },
      );
    return {
      plan,
      translation: report,
      outcome: 'written',
      verified,
      durationMs: Date.now() - started,
      authorisedBy,
    };
  } finally {
    await lock.release();
  }
}

async function authorise(d: CommitDeps, plan: CommitPlan, record: Record_): Promise<string> {
  if (d.yes) {
    await record('translate.confirm', 'confirmed by --yes', plan);
    return '--yes';
  }
  if (!d.confirm)
    throw new KdrError(
      'KDR_NEEDS_APPROVAL',
      'committing offsets needs an approval, and nobody can confirm here',
      {
        hint: 'run `kdr translate <group> --commit` in a terminal (it asks), or add --yes in a script',
      },
    );
  const ok = await d.confirm(d.render(plan));
  await record('translate.confirm', ok ? 'confirmed' : 'declined', plan);
  if (!ok)
    throw new KdrError('KDR_ABORTED', 'not confirmed: nothing was written', { hint: 'answer y to commit' });
  return 'interactive confirmation';
}

/** One OffsetCommit for the plan's changes, then the group's offsets read back: true when they equal the plan. */
export async function writeAndVerify(
  config: Config,
  log: Logger,
  cluster: string,
  group: string,
  plan: CommitPlan,
): Promise<boolean> {
  const writer = new GroupOffsetWriter(cluster, config.clusters[cluster]!, log);
  try {
    await writer.commit(
      group,
      plan.changes.map((c) => ({ topic: c.topic, partition: c.partition, offset: BigInt(c.to) })),
    );
  } finally {
    await writer.close();
  }
  const reader = new ClusterReader(cluster, config.clusters[cluster]!, log);
  try {
    const now = new Map(
      (await reader.groupOffsets(group)).map((c) => [`${c.topic}:${c.partition}`, Number(c.offset)]),
    );
    return plan.changes.every((c) => now.get(`${c.topic}:${c.partition}`) === c.to);
  } finally {
    await reader.close();
  }
}
