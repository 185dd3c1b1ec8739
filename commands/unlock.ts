import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { StoredPlan } from '../src/approval/plan-store.js';
import { AuditLog } from '../src/audit/audit-log.js';
import type { Block, CommandSpec } from '../src/core/command.js';
import { formatDuration } from '../src/core/duration.js';
import { KdrError } from '../src/core/errors.js';
import { type LockHolder, ResourceLocks } from '../src/locks/resource-lock.js';
import { connectRedis, redisPrefix } from '../src/queue/redis-ready.js';
import { table } from '../src/render/table.js';
import { approvalView } from '../src/render/translate-view.js';
import { cliActor } from '../src/translate/commit.js';

const args = z.object({
  positionals: z.array(z.string().min(1)).max(1, 'expected at most one lock (as listed by `unlock`)'),
  yes: z.boolean().optional(),
  json: z.boolean().optional(),
});

type Lock = { resource: string; holder: LockHolder; ageMs: number; ttlMs: number };
export type UnlockResult =
  | { kind: 'list'; locks: Lock[] }
  | { kind: 'broken'; lock: Lock }
  | { kind: 'approval'; plan: StoredPlan };

const describe = (l: Lock) =>
  `${l.resource}: held by ${l.holder.who} (${l.holder.what}, pid ${l.holder.pid} on ${l.holder.host}) for ${formatDuration(l.ageMs)}, expires in ${formatDuration(Math.max(0, l.ttlMs))}`;

function text(r: UnlockResult): string {
  if (r.kind === 'list')
    return r.locks.length
      ? table(
          ['lock', 'holder', 'doing', 'age', 'expires in'],
          r.locks.map((l) => [
            l.resource,
            l.holder.who,
            l.holder.what,
            formatDuration(l.ageMs),
            formatDuration(Math.max(0, l.ttlMs)),
          ]),
        )
      : 'no locks are held';
  if (r.kind === 'broken') return `broke the lock ${describe(r.lock)}`;
  return approvalView.text(r.plan);
}

/**
 * Locks are released by their holders and expire if a holder dies; breaking one by hand is its own action:
 * listed, then planned (bound to the holder it saw), approved (Slack) or confirmed (CLI, break-glass), audited.
 */
export const unlock: CommandSpec<z.infer<typeof args>, UnlockResult> = {
  name: 'unlock',
  summary:
    'lists the locks kdr holds (who, doing what, for how long); `unlock <lock>` breaks one, after approval',
  usage: 'unlock [lock] [--yes] [--json]',
  examples: ['unlock', 'unlock translate:primary-to-dr:dr:orders-app'],
  options: { yes: { type: 'boolean' } },
  args,
  mutates: true,
  run: async (ctx, a) => {
    const redis = await connectRedis(ctx.config.redis.url);
    try {
      const prefix = redisPrefix(ctx.prefix);
      const locks = new ResourceLocks(redis, prefix);
      const all = await locks.list();
      const wanted = a.positionals[0];
      if (!wanted) return { kind: 'list', locks: all };
      const lock = all.find((l) => l.resource === wanted);
      if (!lock)
        throw new KdrError('KDR_NO_SUCH_LOCK', `no lock ${wanted} is held`, {
          hint: `held now: ${all.map((l) => l.resource).join(', ') || 'none'}`,
        });
      const subject = { lock: lock.resource, holder: lock.holder.who };
      const hash = createHash('sha256')
        .update(JSON.stringify({ resource: lock.resource, at: lock.holder.at }))
        .digest('hex');
      if (ctx.caller.transport !== 'cli') {
        if (!ctx.requestApproval)
          throw new KdrError('KDR_NEEDS_APPROVAL', 'breaking a lock needs an approval', {
            hint: 'use /kdr unlock in Slack',
          });
        const plan = await ctx.requestApproval({
          id: randomUUID(),
          kind: 'lock.break',
          resource: `unlock:${lock.resource}`,
          subject,
          args: { resource: lock.resource, at: lock.holder.at },
          hash,
          text: `break the lock ${describe(lock)}`,
        });
        return { kind: 'approval', plan };
      }
      const audit = new AuditLog(redis, prefix, join(ctx.config.dataDir, 'audit.jsonl'));
      const actor = cliActor(a.yes ? 'cli --yes' : 'cli confirmation');
      if (!a.yes && !(await ctx.confirm?.(`break the lock ${describe(lock)}`)))
        throw new KdrError('KDR_ABORTED', 'not confirmed: the lock was left alone', {
          hint: 'answer y to break it',
        });
      const broken = await locks.breakIf(lock.resource, lock.holder.at);
      await audit.append({
        action: 'lock.break',
        actor,
        subject,
        outcome: broken ? 'broken' : 'refused: lock changed',
        planHash: hash,
      });
      if (!broken)
        throw new KdrError('KDR_LOCK_CHANGED', `the lock ${wanted} was released or taken again meanwhile`, {
          hint: 'run `kdr unlock` to see the locks now',
        });
      return { kind: 'broken', lock };
    } finally {
      redis.disconnect();
    }
  },
  view: {
    text,
    summary: (r) =>
      r.kind === 'list'
        ? `${r.locks.length} lock(s) held`
        : r.kind === 'broken'
          ? `lock ${r.lock.resource} broken`
          : approvalView.summary(r.plan),
    blocks: (r): Block[] =>
      r.kind === 'approval'
        ? approvalView.blocks(r.plan)
        : [{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${text(r).slice(0, 2900)}\`\`\`` } }],
  },
};
