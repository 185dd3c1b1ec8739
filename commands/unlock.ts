import { z } from 'zod';
import { approvalView } from '../src/approval/approval-view.js';
import type { StoredPlan } from '../src/approval/plan-store.js';
import type { Block, CommandSpec } from '../src/core/command.js';
import { formatDuration } from '../src/core/duration.js';
import { KdrError } from '../src/core/errors.js';
import type { LockHolder } from '../src/locks/lock-port.js';
import { unlockChange } from '../src/locks/unlock-change.js';
import { dispatchChange } from '../src/pipeline/dispatch-change.js';
import { table } from '../src/render/table.js';

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
  changes: [unlockChange],
  run: async (ctx, a) => {
    if (!ctx.ports)
      throw new KdrError('KDR_INTERNAL', 'this process has no access to the locks', {
        hint: 'run `kdr unlock`',
      });
    const all = await (await ctx.ports()).locks.list();
    const wanted = a.positionals[0];
    if (!wanted) return { kind: 'list', locks: all };
    const lock = all.find((l) => l.resource === wanted);
    if (!lock)
      throw new KdrError('KDR_NO_SUCH_LOCK', `no lock ${wanted} is held`, {
        hint: `held now: ${all.map((l) => l.resource).join(', ') || 'none'}`,
      });
    const out = await dispatchChange(
      ctx,
      unlockChange,
      { resource: lock.resource, at: lock.holder.at },
      { yes: Boolean(a.yes) },
    );
    if (out.kind === 'approval') return { kind: 'approval', plan: out.stored };
    if (out.kind !== 'applied' || !out.applied.ok)
      throw new KdrError('KDR_LOCK_CHANGED', `the lock ${wanted} was released or taken again meanwhile`, {
        hint: 'run `kdr unlock` to see the locks now',
      });
    return { kind: 'broken', lock };
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
