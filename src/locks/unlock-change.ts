import { createHash } from 'node:crypto';
import { z } from 'zod';
import { formatDuration } from '../core/duration.js';
import type { Change } from '../pipeline/change.js';

export const unlockArgs = z.object({
  resource: z.string().min(1),
  /** When the holder it saw took the lock: breaking is bound to that holder. */
  at: z.string().min(1),
});
export type UnlockArgs = z.infer<typeof unlockArgs>;

export interface UnlockBody {
  resource: string;
  at: string;
  who: string;
}

/**
 * `unlock <lock>`: breaks a lock only if it is still the one the plan showed (same holder, same start). Locks are
 * released by their holders and expire when a holder stops renewing; breaking one is its own approved action.
 */
export const unlockChange: Change<UnlockArgs, UnlockBody> = {
  kind: 'lock.break',
  audit: 'lock',
  prompt: 'Break this lock?',
  args: unlockArgs,
  // its own lock: two people breaking the same lock are serialised; the broken lock itself is not taken
  resource: (a) => `unlock:${a.resource}`,
  planKey: (a) => `unlock:${a.resource}`,
  subject: (a, plan) => ({ lock: a.resource, ...(plan ? { holder: plan.body.who } : {}) }),
  describe: (a) => `unlock ${a.resource}`,
  plan: async (env, a) => {
    const all = await env.ports.locks.list();
    const lock = all.find((l) => l.resource === a.resource);
    const hash = createHash('sha256')
      .update(JSON.stringify({ resource: a.resource, at: a.at }))
      .digest('hex');
    const body = { resource: a.resource, at: a.at, who: lock?.holder.who ?? '' };
    const base = { hash, body, summary: `break the lock ${a.resource}` };
    if (!lock) return { ...base, text: `no lock ${a.resource} is held`, refusals: [], empty: true };
    if (lock.holder.at !== a.at)
      return {
        ...base,
        text: `the lock ${a.resource} is held by another holder now`,
        empty: false,
        refusals: [
          {
            code: 'KDR_LOCK_CHANGED',
            message: `the lock ${a.resource} was released or taken again since it was listed`,
            hint: 'run `kdr unlock` to see the locks now',
          },
        ],
      };
    return {
      ...base,
      body: { ...body, who: lock.holder.who },
      text: `break the lock ${a.resource}: held by ${lock.holder.who} (${lock.holder.what}, pid ${lock.holder.pid} on ${lock.holder.host}) for ${formatDuration(lock.ageMs)}, expires in ${formatDuration(Math.max(0, lock.ttlMs))}`,
      refusals: [],
      empty: false,
    };
  },
  reconcile: (approved, live) => {
    if (live.empty) return { kind: 'applied' };
    if (live.hash === approved.hash && !live.refusals.length) return { kind: 'same' };
    return { kind: 'changed', why: 'the lock was released or taken again since the plan' };
  },
  apply: async (env, a, _approved, _live, io) => {
    await io.guard();
    const broken = await env.ports.locks.breakIf(a.resource, a.at);
    return {
      ok: broken,
      outcome: broken ? 'broken' : 'refused: lock changed',
      verified: broken,
      text: broken
        ? `lock ${a.resource} broken`
        : `the lock ${a.resource} was released or taken again since the plan; nothing was done`,
    };
  },
};
