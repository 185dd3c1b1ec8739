import { flowGroupFilter, flowTopicFilter } from '../../health/flow-filters.js';
import { ClusterReader } from '../../kafka/cluster-reader.js';
import { probeCluster } from '../../kafka/probe.js';
import { remoteTopic } from '../../mm2/naming.js';
import { check, dataOf, endOffsets, type RunStep, type StepContext } from '../step.js';
import type { AssessData } from '../steps/assess.js';
import type { FreezeData } from '../steps/freeze-drain.js';
import type { Run } from '../types.js';

export interface Orphans {
  records: number;
  /** `topic:partition` → records past the failover's frozen (or replicated) end. */
  partitions: Record<string, number>;
  /** What they were counted against: the failover's frozen ends (planned) or the replicated positions (unplanned). */
  basis: 'frozen' | 'replicated';
}

export interface FailbackAssessData extends AssessData {
  orphans: Orphans;
  /** When the failover told the clients to move: the reverse flow copies what the target took since. */
  cutoverAt: string;
  failoverRun: string;
}

/** The failover this failback undoes. */
export async function failoverOf(ctx: StepContext, run: Run): Promise<Run> {
  const id = run.options?.failoverRun;
  const fo = id ? await ctx.runs.get(id) : undefined;
  if (!fo) throw new Error(`the failover run ${id ?? '?'} this failback undoes is not on record`);
  return fo;
}

/** Per `topic:partition`, the end DR had of the old primary when the failover ended: its frozen ends or what MM2 had replicated. */
export function orphanBase(failover: Run): { base: Record<string, number>; basis: Orphans['basis'] } {
  const frozen = dataOf<FreezeData>(failover, 'freeze')?.frozenEnds;
  return frozen
    ? { base: frozen, basis: 'frozen' }
    : { base: dataOf<AssessData>(failover, 'assess')?.replicated ?? {}, basis: 'replicated' };
}

/** Records on the old primary past what the failover froze (planned) or saw replicated (unplanned). */
async function orphansOf(ctx: StepContext, failover: Run): Promise<Orphans> {
  const { base, basis } = orphanBase(failover);
  const topics = [...new Set(Object.keys(base).map((k) => k.slice(0, k.lastIndexOf(':'))))];
  const now = await endOffsets(ctx, ctx.forward.source, topics);
  const partitions: Record<string, number> = {};
  for (const [k, end] of Object.entries(now)) {
    const extra = end - (base[k] ?? end);
    if (extra > 0) partitions[k] = extra;
  }
  return {
    records: Object.values(partitions).reduce((n, x) => n + x, 0),
    partitions,
    basis,
  };
}

/**
 * failback's assess (automatic, read-only): both clusters answer; the records written to the old primary after the
 * failover's freeze (orphaned writes) are counted, and failback refuses to go on with any until the operator chose
 * to keep them; the target's local topics (what the reverse flow will copy) and the groups to move back.
 */
export const failbackAssess: RunStep = {
  id: 'assess',
  gate: 'auto',
  plan: async (ctx, run) => ({
    text: `probe ${ctx.forward.source} and ${ctx.forward.target}, count writes on ${ctx.forward.source} after failover ${run.options?.failoverRun}'s freeze, list the topics written on ${ctx.forward.target} and the groups to move back`,
    body: { run: run.run },
  }),
  execute: async (ctx, run) => {
    const { config, flow, forward, log } = ctx;
    const failover = await failoverOf(ctx, run);
    const [primary, dr] = await Promise.all([
      probeCluster(forward.source, config.clusters[forward.source]!, log),
      probeCluster(forward.target, config.clusters[forward.target]!, log),
    ]);
    const checks = [
      check(
        `${forward.source} (old primary) reachable`,
        primary.reachable,
        primary.reachable ? 'yes' : (primary.error ?? 'no'),
        'yes',
      ),
      check(`${forward.target} reachable`, dr.reachable, dr.reachable ? 'yes' : (dr.error ?? 'no'), 'yes'),
    ];
    if (!primary.reachable || !dr.reachable)
      return {
        ok: false,
        result: `not ready: ${checks
          .filter((c) => !c.pass)
          .map((c) => `${c.name}: ${c.value}`)
          .join('; ')}`,
        checks,
      };
    const orphans = await orphansOf(ctx, failover);
    const choice = run.options?.orphans;
    const kept = choice !== undefined;
    checks.push(
      check(
        `records written to ${forward.source} after the failover's ${orphans.basis === 'frozen' ? 'freeze' : 'last replication'}`,
        orphans.records === 0 || kept,
        orphans.records,
        choice === 'keep'
          ? 'kept (--orphans keep)'
          : choice === 'rebuild'
            ? 'rebuilt (--orphans rebuild)'
            : 0,
      ),
    );
    // the target's own topics: what the producers wrote there while failed over (replicated ones excluded)
    const reader = new ClusterReader(flow.source, config.clusters[flow.source]!, log);
    let sourceEnds: Record<string, number> = {};
    let groups: string[] = [];
    try {
      // the target's own topics that the forward flow also mirrors (`orders` beside `primary.orders`): what the
      // producers wrote while failed over. Other local topics (Connect's own, other applications') stay where they are.
      const names = new Set((await reader.topicPartitions()).keys());
      const local = [...names]
        .filter((t) => flowTopicFilter(flow)(t) && names.has(remoteTopic(forward, t)))
        .sort();
      sourceEnds = await endOffsets(ctx, flow.source, local);
      const all = await reader.listGroups();
      groups = run.groups.length ? run.groups : all.filter(flowGroupFilter(forward)).sort();
    } finally {
      await reader.close();
    }
    const onPrimary = new ClusterReader(forward.source, config.clusters[forward.source]!, log);
    let active: string[] = [];
    try {
      active = (await onPrimary.describeGroups(groups)).filter((g) => g.members > 0).map((g) => g.groupId);
    } finally {
      await onPrimary.close();
    }
    checks.push(
      check(
        `groups empty on ${forward.source}`,
        active.length === 0,
        active.join(', ') || 'all empty',
        'no members',
      ),
    );
    const cutover = failover.steps.find((s) => s.id === 'cutover');
    const data: FailbackAssessData = {
      groups,
      heartbeatAgeMs: null,
      lagRecords: null,
      sourceReachable: true,
      replicated: {},
      sourceEnds,
      orphans,
      cutoverAt: cutover?.startedAt ?? failover.startedAt,
      failoverRun: failover.run,
    };
    const failed = checks.filter((c) => !c.pass);
    const topics = new Set(Object.keys(sourceEnds).map((k) => k.slice(0, k.lastIndexOf(':')))).size;
    return {
      ok: failed.length === 0,
      result: failed.length
        ? orphans.records > 0 && !kept
          ? `${orphans.records} record(s) on ${Object.keys(orphans.partitions).length} partition(s) were written to ${forward.source} after failover ${failover.run}'s freeze (orphaned writes: ${forward.target} never had them). Abort this run and open \`kdr failback ${run.flow} --orphans keep\` to keep them on ${forward.source} (consumers read them after failback), or \`--orphans rebuild\` to rebuild the topics they are in from ${forward.target}'s copy (an approved step; the records are saved to a file first)`
          : `not ready: ${failed.map((c) => `${c.name}: ${c.value}`).join('; ')}`
        : `${forward.source} and ${forward.target} answer; ${orphans.records} orphaned write(s)${kept && orphans.records ? ` (${choice === 'keep' ? 'kept' : 'to be rebuilt'})` : ''}; ${topics} topic(s) written on ${forward.target} since ${data.cutoverAt}; ${groups.length} group(s) to move back`,
      checks,
      data: data as unknown as Record<string, unknown>,
    };
  },
};
