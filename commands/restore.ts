import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { AuditLog } from '../src/audit/audit-log.js';
import {
  applyRestore,
  planFromRequest,
  RESTORE_LOCK_TTL_MS,
  type RestoreRequest,
} from '../src/backup/restore-apply.js';
import { RESTORE_PARTS } from '../src/backup/restore-plan.js';
import { regex } from '../src/config/schema.js';
import type { CommandContext, CommandSpec } from '../src/core/command.js';
import { KdrError } from '../src/core/errors.js';
import { ResourceLocks } from '../src/locks/resource-lock.js';
import { connectRedis, redisPrefix } from '../src/queue/redis-ready.js';
import { type RestoreResult, restorePlanText, restoreView } from '../src/render/restore-view.js';
import { cliActor } from '../src/translate/commit.js';
import { partList } from './backup.js';

const args = z
  .object({
    positionals: z.array(z.string().min(1)).length(1, 'expected one backup id (see `kdr backups`)'),
    to: z.string({ message: 'expected --to <cluster>' }).min(1, 'expected --to <cluster>'),
    only: partList(RESTORE_PARTS).optional(),
    topics: regex.optional(),
    map: z.boolean().optional(),
    'add-partitions': z.boolean().optional(),
    'replication-factor': z
      .string()
      .regex(/^([1-9]|[1-9]\d)$/, 'expected a replication factor from 1 to 99')
      .optional(),
    'dry-run': z.boolean().optional(),
    yes: z.boolean().optional(),
  })
  .refine((a) => !(a['dry-run'] && a.yes), '--dry-run and --yes contradict each other');

type Args = z.infer<typeof args>;

function request(a: Args): RestoreRequest {
  return {
    backupId: a.positionals[0]!,
    to: a.to,
    ...(a.only ? { only: a.only } : {}),
    ...(a.topics ? { topics: a.topics } : {}),
    ...(a.map ? { map: true } : {}),
    ...(a['add-partitions'] ? { addPartitions: true } : {}),
    ...(a['replication-factor'] ? { replicationFactor: Number(a['replication-factor']) } : {}),
  };
}

/** CLI (break-glass): lock the target, confirm, apply once, verify, audit. */
async function applyFromCli(
  ctx: CommandContext,
  a: Args,
  r: RestoreRequest,
  planText: string,
  hash: string,
): Promise<RestoreResult> {
  const redis = await connectRedis(ctx.config.redis.url);
  const prefix = redisPrefix(ctx.prefix);
  const audit = new AuditLog(redis, prefix, join(ctx.config.dataDir, 'audit.jsonl'));
  const actor = cliActor(a.yes ? 'cli --yes' : 'cli confirmation');
  const subject = { backup: r.backupId, cluster: r.to };
  const entry = (action: string, outcome: string, detail?: Record<string, unknown>) =>
    audit.append({ action, actor, subject, outcome, planHash: hash, ...(detail ? { detail } : {}) });
  const lock = await new ResourceLocks(redis, prefix).acquire(
    `restore:${r.to}`,
    {
      who: actor.user,
      what: `restore ${r.backupId}`,
      pid: process.pid,
      host: hostname(),
      at: new Date().toISOString(),
    },
    RESTORE_LOCK_TTL_MS,
  );
  try {
    if (!lock.ok) {
      await entry('restore.apply', 'refused: locked', { holder: lock.holder });
      throw new KdrError(
        'KDR_LOCKED',
        `${r.to} is locked by ${lock.holder.who} (${lock.holder.what}) for ${Math.round(lock.ageMs / 1000)} s`,
        {
          hint: `wait for it, or see \`kdr unlock\`; it expires in ${Math.round(lock.ttlMs / 1000)} s if its holder died`,
          retriable: true,
        },
      );
    }
    await entry('restore.plan', 'planned');
    if (!a.yes && !(await ctx.confirm?.(planText))) {
      await entry('restore.apply', 'not confirmed');
      throw new KdrError('KDR_ABORTED', 'not confirmed: nothing was restored', {
        hint: 'answer y to apply the plan',
      });
    }
    const outcome = await applyRestore(ctx.config, ctx.log, r, hash).catch(async (err: KdrError) => {
      await entry('restore.apply', `refused: ${err.message}`);
      throw err;
    });
    const failed = outcome.steps.find((s) => !s.ok);
    await entry('restore.apply', failed ? `failed: ${failed.action}: ${failed.detail}` : 'applied', {
      applied: outcome.steps.filter((s) => s.ok).length,
      of: outcome.plan.actions.length,
    });
    await entry(
      'restore.verify',
      outcome.remaining.length ? `remaining: ${outcome.remaining.length}` : 'verified: new plan empty',
    );
    return { kind: 'applied', authorisedBy: actor.via ?? 'cli', ...outcome };
  } finally {
    if (lock.ok) await lock.release();
    redis.disconnect();
  }
}

/** Restores a backup onto a cluster: plan against the live state → approve (Slack) or confirm (CLI) → apply once → verify. */
export const restore: CommandSpec<Args, RestoreResult> = {
  name: 'restore',
  summary:
    'plans restoring a backup onto a cluster (topics, configs, ACLs, group offsets, schemas) and applies it after approval',
  usage:
    'restore <backup-id> --to <cluster> [--only topics,configs,acls,groups,schemas] [--topics REGEX] [--map] [--add-partitions] [--replication-factor N] [--dry-run] [--yes]',
  examples: [
    'restore primary-20261121T101500123Z --to dr --dry-run',
    'restore primary-20261121T101500123Z --to dr --only topics,acls',
  ],
  options: {
    to: { type: 'string' },
    only: { type: 'string' },
    topics: { type: 'string' },
    map: { type: 'boolean' },
    'add-partitions': { type: 'boolean' },
    'replication-factor': { type: 'string' },
    'dry-run': { type: 'boolean' },
    yes: { type: 'boolean' },
  },
  args,
  mutates: true,
  run: async (ctx, a) => {
    const r = request(a);
    const { plan } = await planFromRequest(ctx.config, ctx.log, r);
    if (a['dry-run'] || plan.actions.length === 0)
      return { kind: 'plan', plan, dryRun: Boolean(a['dry-run']) };
    const planText = restorePlanText(plan);
    if (ctx.caller.transport !== 'cli') {
      if (!ctx.requestApproval)
        throw new KdrError(
          'KDR_NEEDS_APPROVAL',
          'a restore needs an approval, and this process cannot ask for one',
          {
            hint: 'use /kdr restore in Slack, or `kdr restore` in a terminal (break-glass)',
          },
        );
      const stored = await ctx.requestApproval({
        id: crypto.randomUUID(),
        kind: 'backup.restore',
        resource: `restore:${r.to}`,
        subject: { backup: r.backupId, cluster: r.to },
        args: r as unknown as Record<string, unknown>,
        hash: plan.hash,
        text: planText,
      });
      return { kind: 'approval', plan: stored };
    }
    return applyFromCli(ctx, a, r, planText, plan.hash);
  },
  view: restoreView,
};
