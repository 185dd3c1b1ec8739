import type { Config, FlowConfig } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { flowGroupFilter, flowTopicFilter } from '../health/flow-filters.js';
import { ClusterReader } from '../kafka/cluster-reader.js';
import type { CommittedOffset } from '../kafka/types.js';
import { remoteTopic, topicSource, upstreamTopic } from '../mm2/naming.js';
import { scanOffsetSyncs } from '../mm2/topics.js';
import type { CheckpointIndex } from './checkpoint-index.js';
import { type CheckpointFrom, openCheckpoints } from './checkpoint-source.js';
import { exactRows } from './exact-rows.js';
import { failbackRows } from './failback.js';
import type { StoredProof } from './proof-store.js';
import { forwardRows } from './rows.js';
import { applyStoredProofs } from './stored-proofs.js';
import type { GroupTranslation, TranslationReport, TranslationRow } from './types.js';

export interface TranslateOptions {
  flow: FlowConfig;
  groups: string[];
  all: boolean;
  from: CheckpointFrom;
  failback: boolean;
  /** Prove exact positions from the records themselves where possible (failover only). */
  exact?: boolean;
  index?: CheckpointIndex;
  /**
   * Unplanned failover: the worker's stored proofs, used when the source does not answer (with `exact` and a source
   * that answers, kdr proves live instead).
   */
  proofs?: Map<string, StoredProof>;
  now?: () => number;
}

/** Translates groups for a failover (source → target, MM2's checkpoints) or a failback (target → source). */
export async function gatherTranslation(
  config: Config,
  log: Logger,
  o: TranslateOptions,
): Promise<TranslationReport> {
  const source = new ClusterReader(o.flow.source, config.clusters[o.flow.source]!, log);
  const target = new ClusterReader(o.flow.target, config.clusters[o.flow.target]!, log);
  try {
    return o.failback
      ? await failback(source, target, o)
      : await failover(source, target, o, config.checkpointIndex.maxAge);
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}

async function failover(
  source: ClusterReader,
  target: ClusterReader,
  o: TranslateOptions,
  indexMaxAgeMs: number,
) {
  const { flow } = o;
  const now = (o.now ?? Date.now)();
  const inFlow = flowGroupFilter(flow);
  const topicInFlow = flowTopicFilter(flow);
  // At failover time the source may be gone: its commits are shown when it answers, never required.
  const reach = await reachable(source);
  const cps = await openCheckpoints(target, flow, o.from, o.index, now, indexMaxAgeMs);
  const sourceGroups = reach.ok ? await source.listGroups() : [];
  const groups = o.all ? (await cps.groups()).filter(inFlow) : o.groups;
  const targetGroups = new Set(await target.listGroups());
  const perGroup = await Promise.all(
    groups.map(async (g) => ({
      group: g,
      checkpoints: await cps.forGroup(g),
      fromCommits: reach.ok
        ? sourceGroups.includes(g)
          ? (await source.groupOffsets(g)).filter((c) => topicInFlow(c.topic))
          : []
        : null,
    })),
  );
  for (const p of perGroup)
    if (p.checkpoints.length === 0 && !sourceGroups.includes(p.group) && !targetGroups.has(p.group))
      throw unknownGroup(p.group, flow, (await cps.groups()).filter(inFlow));
  const toTopics = new Set(perGroup.flatMap((p) => p.checkpoints.map((c) => c.topic)));
  for (const p of perGroup) for (const c of p.fromCommits ?? []) toTopics.add(remoteTopic(flow, c.topic));
  const { toEnds, states, toCommits } = await destination(target, groups, toTopics);
  const out: GroupTranslation[] = perGroup.map((p) => ({
    group: p.group,
    toState: states.get(p.group)?.state ?? 'Dead',
    toMembers: states.get(p.group)?.members ?? 0,
    rows: forwardRows({
      checkpoints: p.checkpoints,
      fromCommits: p.fromCommits,
      toCommits: toCommits.get(p.group) ?? [],
      toEnds,
      toTopicOf: (t) => remoteTopic(flow, t),
      fromTopicOf: (t) => upstreamTopic(flow.replicationPolicy, t) ?? t,
      now,
      rpoMs: flow.rpo,
    }),
  }));
  const exact =
    o.proofs && !reach.ok
      ? applyStoredProofs(out, o.proofs, now)
      : o.exact
        ? await exactRows(source, target, flow, out, reach.ok ? null : reach.error!)
        : undefined;
  const problems: string[] = [];
  if (!reach.ok) problems.push(`${flow.source} did not answer (${reach.error}): source commits not shown`);
  if (!cps.origin.topic)
    problems.push(
      `no checkpoints topic for ${flow.source} on ${flow.target}: MM2 has not checkpointed any group`,
    );
  return {
    ...report(o, now, flow.source, flow.target, reach, cps.origin, out, problems),
    ...(exact ? { exact } : {}),
  };
}

async function failback(source: ClusterReader, target: ClusterReader, o: TranslateOptions) {
  const { flow } = o;
  const now = (o.now ?? Date.now)();
  const p = flow.replicationPolicy;
  // The group leaves the target and returns to the source: the source must answer now.
  const reach = await reachable(source);
  if (!reach.ok)
    throw new KdrError('KDR_KAFKA', `${flow.source} did not answer (${reach.error})`, {
      hint: `failback writes to ${flow.source}: it must be reachable`,
      retriable: true,
    });
  const sourceTopics = await source.topicPartitions();
  const sourceTopicOf = (t: string) => {
    if (topicSource(p, t, flow.source) !== flow.source) return null;
    const up = upstreamTopic(p, t);
    return up !== null && sourceTopics.has(up) && flowTopicFilter(flow)(up) ? up : null;
  };
  const drGroups = await target.listGroups();
  const groups = o.all ? drGroups.filter(flowGroupFilter(flow)).sort() : o.groups;
  for (const g of groups)
    if (!drGroups.includes(g))
      throw unknownGroup(g, flow, drGroups.filter(flowGroupFilter(flow)), flow.target);
  const syncScan = await scanOffsetSyncs(source, target, flow);
  const fromCommits = new Map<string, CommittedOffset[]>();
  for (const g of groups)
    fromCommits.set(
      g,
      (await target.groupOffsets(g)).filter((c) => sourceTopicOf(c.topic) !== null),
    );
  const toTopics = new Set([...fromCommits.values()].flat().map((c) => sourceTopicOf(c.topic)!));
  const { toEnds, states, toCommits } = await destination(source, groups, toTopics);
  const out: GroupTranslation[] = groups.map((g) => ({
    group: g,
    toState: states.get(g)?.state ?? 'Dead',
    toMembers: states.get(g)?.members ?? 0,
    rows: failbackRows({
      fromCommits: fromCommits.get(g) ?? [],
      syncs: syncScan.syncs,
      sourceTopicOf,
      toCommits: toCommits.get(g) ?? [],
      toEnds,
    }),
  }));
  const problems: string[] = [];
  if (!syncScan.topic)
    problems.push(
      'no offset-syncs topic found: nothing can be translated back (rebuild the source from the target instead)',
    );
  return report(
    o,
    now,
    flow.target,
    flow.source,
    { ok: true },
    { kind: 'offset-syncs', topic: syncScan.topic },
    out,
    problems,
  );
}

/** State, members, commits of the groups and the log ends of the topics on the cluster the groups move to. */
async function destination(to: ClusterReader, groups: string[], topics: Set<string>) {
  const parts = await to.topicPartitions();
  const present = new Map([...topics].filter((t) => parts.has(t)).map((t) => [t, parts.get(t)!] as const));
  const [toEnds, infos] = await Promise.all([to.endOffsets(present), to.describeGroups(groups)]);
  const toCommits = new Map<string, CommittedOffset[]>();
  for (const g of groups) toCommits.set(g, await to.groupOffsets(g));
  return { toEnds, states: new Map(infos.map((i) => [i.groupId, i])), toCommits };
}

async function reachable(reader: ClusterReader): Promise<{ ok: boolean; error?: string }> {
  try {
    await reader.listGroups();
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function unknownGroup(group: string, flow: FlowConfig, known: string[], where?: string): KdrError {
  return new KdrError(
    'KDR_UNKNOWN_GROUP',
    `no consumer group "${group}" in flow ${flow.name}: ${where ? `not on ${where}` : `no checkpoint on ${flow.target} and no commits on either cluster`}`,
    {
      hint: `groups ${where ? `on ${where}` : 'with checkpoints'}: ${known.slice(0, 10).join(', ') || 'none'}${known.length > 10 ? `, … (${known.length} in all)` : ''}`,
    },
  );
}

function report(
  o: TranslateOptions,
  now: number,
  from: string,
  to: string,
  reach: { ok: boolean; error?: string },
  origin: TranslationReport['origin'],
  groups: GroupTranslation[],
  problems: string[],
): TranslationReport {
  return {
    generatedAt: new Date(now).toISOString(),
    flow: o.flow.name,
    direction: o.failback ? 'failback' : 'failover',
    from,
    to,
    fromReachable: reach.ok,
    ...(reach.error ? { fromError: reach.error } : {}),
    origin,
    rpoMs: o.flow.rpo,
    groups,
    problems,
  };
}

export type { TranslationRow };
