import type { KdrError } from '../../core/errors.js';
import { ClusterAdmin } from '../../kafka/cluster-admin.js';
import { type AclBinding, aclKey } from '../../kafka/metadata-types.js';
import { remoteTopic } from '../../mm2/naming.js';
import type { ApplyIO } from '../../pipeline/change.js';
import { type FencePlan, missingBindings, planAclFence } from '../acl-fence.js';
import { check, type StepContext } from '../step.js';
import type { Check, Run, StepRecord } from '../types.js';

/** What the ACL fence left in the freeze step's data: exactly the bindings kdr created (abort removes these). */
export interface AclFenceData {
  created: AclBinding[];
  /** Bindings the fence needed that were there before it: left in place by abort. */
  kept: number;
}

async function withAdmin<T>(
  ctx: StepContext,
  work: (a: ClusterAdmin) => Promise<T>,
  cluster = ctx.flow.source,
): Promise<T> {
  const admin = new ClusterAdmin(cluster, ctx.config.clusters[cluster]!, ctx.log);
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

/** The fence's plan from the live cluster (nothing read when the flow names no producer principal). */
export async function planFreezeAcl(ctx: StepContext, topics: string[]): Promise<FencePlan | undefined> {
  if (ctx.flow.freeze.denyWrite.length === 0) return undefined;
  return withAdmin(ctx, async (admin) =>
    planAclFence({
      flow: ctx.flow,
      cluster: ctx.config.clusters[ctx.flow.source]!,
      authorizerClass: await admin.authorizerClass(),
      acls: await admin.acls(),
      topics,
    }),
  );
}

/**
 * Puts the fence up once. Which bindings are new is recorded in the run before they are created, so a retry after
 * a crash (when they already show as present) still knows they are kdr's; creating an existing binding is a no-op.
 * Verified by reading the ACLs back.
 */
export async function applyFreezeAcl(
  ctx: StepContext,
  run: Run,
  bindings: AclBinding[],
  io: ApplyIO,
): Promise<{ data: AclFenceData; checks: Check[] }> {
  const earlier = (run.steps.find((s) => s.id === 'freeze')?.data?.aclFence as AclFenceData | undefined)
    ?.created;
  return withAdmin(ctx, async (admin) => {
    let data: AclFenceData;
    if (earlier && (await io.isDone('freeze:acl'))) {
      data = { created: earlier, kept: bindings.length - earlier.length };
    } else {
      const fresh = missingBindings(bindings, await admin.acls());
      const known = new Set((earlier ?? []).map(aclKey));
      const created = [...(earlier ?? []), ...fresh.filter((b) => !known.has(aclKey(b)))];
      data = { created, kept: bindings.length - created.length };
      await ctx.runs.update(run.run, (r) => {
        const s = r.steps.find((x) => x.id === 'freeze')!;
        s.data = { ...(s.data ?? {}), aclFence: data };
        return r;
      });
      await io.guard();
      await admin.createAcls(created);
      await io.markDone('freeze:acl');
    }
    const missing = missingBindings(bindings, await admin.acls()).length;
    return {
      data,
      checks: [check('fence ACLs missing after creation', missing === 0, missing, 0)],
    };
  });
}

/** Abort: removes exactly the bindings the fence created; bindings that were there before stay. */
export async function removeFreezeAcl(ctx: StepContext, rec: StepRecord): Promise<string | undefined> {
  const fence = rec.data?.aclFence as AclFenceData | undefined;
  if (!fence) return undefined;
  await withAdmin(ctx, (admin) => admin.deleteAcls(fence.created));
  return `removed the ${fence.created.length} DENY WRITE ACL(s) kdr created${fence.kept ? ` (${fence.kept} that were there before stay)` : ''}`;
}

/**
 * DENY bindings of the fenced principals on the target's copies of the mirrored topics. MM2's ACL sync copies DENY
 * bindings (it skips only ALLOW WRITE), so a sync between freeze and fence puts the fence on the target too, where
 * it would refuse the producers after cutover (with an identity policy, on the very topics they write).
 */
export async function copiedFence(ctx: StepContext, topics: string[]): Promise<AclBinding[]> {
  const deny = new Set(ctx.flow.freeze.denyWrite);
  if (deny.size === 0) return [];
  const remote = new Set(topics.map((t) => remoteTopic(ctx.flow, t)));
  const acls = await withAdmin(ctx, (a) => a.acls(), ctx.flow.target).catch((err: KdrError) => {
    if (err.code === 'KDR_ACLS_UNAVAILABLE') return [];
    throw err;
  });
  return acls.filter(
    (b) =>
      b.resourceType === 'topic' &&
      b.patternType === 'literal' &&
      remote.has(b.resourceName) &&
      b.permission === 'deny' &&
      (b.operation === 'write' || b.operation === 'all') &&
      deny.has(b.principal),
  );
}

export async function removeCopiedFence(ctx: StepContext, bindings: AclBinding[]): Promise<void> {
  await withAdmin(ctx, (a) => a.deleteAcls(bindings), ctx.flow.target);
}
