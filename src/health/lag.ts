import { findFlow } from '../config/find-flow.js';
import type { Config, FlowConfig } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ClusterReader } from '../kafka/cluster-reader.js';
import { ConnectRest } from '../mm2/connect-rest.js';
import { remoteTopic } from '../mm2/naming.js';
import { expectedRereads } from '../mm2/rereads.js';
import { checkpointKey, scanCheckpoints, scanOffsetSyncs } from '../mm2/topics.js';
import { flowGroupFilter, flowTopicFilter } from './flow-filters.js';
import { addExactRereads, type ExactLag } from './lag-exact.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  targetTopic: string;
  sourceEnd: number;
  replicatedUpTo: number;
  lagRecords: number;
  /** Age of the oldest record not yet replicated (0 when caught up; null when not measured). */
  lagMs: number | null;
}

export interface GroupPartitionLag {
  topic: string;
  targetTopic: string;
  partition: number;
  sourceCommitted: number;
  sourceEnd: number;
  /** Where the group resumes on the target (MM2's newest checkpoint), or null without one. */
  translated: number | null;
  checkpointUpstream: number | null;
  targetEnd: number | null;
  /** targetEnd − translated: what the translated group would still read on the target. */
  slack: number | null;
  /** Records consumed on the source that the group reads again after a failover (negative: would skip). */
  expectedRereads: number | null;
  /** With `--exact`: kdr's proven position and the re-reads with it (0 where proven; MM2's figure, and why, if not). */
  exact?: ExactLag;
}

export interface GroupLag {
  group: string;
  status: string;
  state: string;
  members: number;
  sourceLag: number;
  /** Age of the group's newest checkpoint record (MM2 emits one only when the group's offset moves). */
  checkpointAgeMs: number | null;
  /** Records committed on the source that no checkpoint reflects yet: 0 means translation is current. */
  checkpointLag: number;
  partitions: GroupPartitionLag[];
}

export interface FlowLag {
  name: string;
  source: string;
  target: string;
  replicationSource: 'connect-offsets' | 'offset-syncs' | 'none';
  checkpointsTopic: string | null;
  offsetSyncsTopic: string | null;
  totals: { partitions: number; lagRecords: number; maxLagMs: number | null; groups: number };
  partitions: PartitionLag[];
  groups: GroupLag[];
  unmirroredTopics: string[];
  problems: string[];
}

export interface LagReport {
  generatedAt: string;
  flows: FlowLag[];
}

export interface LagOptions {
  flow?: string;
  group?: string;
  now?: () => number;
  /** The Burrow-style verdict kept by the scheduled checks, when available. */
  groupStatus?: (flow: string, group: string) => Promise<string | undefined>;
  /** How many lagging partitions get their time lag measured (one fetch each). */
  timeLagSamples?: number;
  /** Predicted re-reads with kdr's exact translation beside MM2's (both clusters are read record by record). */
  exact?: boolean;
}

export async function gatherLag(config: Config, log: Logger, opts: LagOptions = {}): Promise<LagReport> {
  const now = opts.now ?? (() => Date.now());
  const flows = opts.flow ? [findFlow(config, opts.flow)] : config.flows;
  return {
    generatedAt: new Date(now()).toISOString(),
    flows: await Promise.all(flows.map((f) => flowLag(config, f, log, opts, now))),
  };
}

/** Lag of one flow; both clusters must answer (callers decide what an unreachable cluster means). */
export async function flowLag(
  config: Config,
  flow: FlowConfig,
  log: Logger,
  opts: LagOptions,
  now: () => number,
): Promise<FlowLag> {
  const source = new ClusterReader(flow.source, config.clusters[flow.source]!, log);
  const target = new ClusterReader(flow.target, config.clusters[flow.target]!, log);
  const problems: string[] = [];
  try {
    const inFlow = flowTopicFilter(flow);
    const sourceTopics = new Map([...(await source.topicPartitions())].filter(([t]) => inFlow(t)));
    const targetTopics = await target.topicPartitions();
    const [sourceEnds, sourceStarts] = await Promise.all([
      source.endOffsets(sourceTopics),
      source.startOffsets(sourceTopics),
    ]);
    const unmirroredTopics = [...sourceTopics.keys()]
      .filter((t) => !targetTopics.has(remoteTopic(flow, t)))
      .sort();
    const mirrored = new Map(
      [...sourceTopics]
        .filter(([t]) => !unmirroredTopics.includes(t))
        .map(([t, n]) => [remoteTopic(flow, t), n] as const),
    );
    const [targetEnds, syncScan, cpScan] = await Promise.all([
      target.endOffsets(mirrored),
      scanOffsetSyncs(source, target, flow),
      scanCheckpoints(target, flow),
    ]);
    const positions = await replicatedPositions(config, flow, syncScan.syncs, problems);

    const partitions: PartitionLag[] = [];
    const beyondEnd: string[] = [];
    for (const [topic, ends] of sourceEnds) {
      if (unmirroredTopics.includes(topic)) continue; // reported as unmirrored, not as lag
      ends.forEach((end, partition) => {
        const start = sourceStarts.get(topic)?.[partition] ?? 0n;
        const last = positions.offsets.get(`${topic}:${partition}`);
        const reported = last === undefined ? Number(start) : Math.max(Number(start), last + 1);
        // MM2's stored position past the log end: the topic was deleted and recreated under MM2
        if (reported > Number(end)) beyondEnd.push(`${topic}-${partition}`);
        const upTo = Math.min(reported, Number(end));
        const lagRecords = Math.max(0, Number(end) - upTo);
        partitions.push({
          topic,
          partition,
          targetTopic: remoteTopic(flow, topic),
          sourceEnd: Number(end),
          replicatedUpTo: upTo,
          lagRecords,
          lagMs: lagRecords === 0 ? 0 : null,
        });
      });
    }
    if (beyondEnd.length) {
      problems.push(
        `MM2's replicated position is past the source log end for ${beyondEnd.slice(0, 5).join(', ')}${beyondEnd.length > 5 ? ', …' : ''}: the topic was probably deleted and recreated; lag there is shown as 0 but cannot be measured from Connect's offsets until MM2 has replicated past that position`,
      );
    }
    await measureTimeLag(source, partitions, opts.timeLagSamples ?? 50, now);
    partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));

    const groups = await groupLags(
      source,
      flow,
      opts,
      sourceEnds,
      targetEnds,
      cpScan.latest,
      syncScan.syncs,
      now,
    );
    if (opts.exact) await addExactRereads(source, target, syncScan.syncs, groups);
    if (!cpScan.topic)
      problems.push(
        `no checkpoints topic for ${flow.source} on ${flow.target} yet: MM2 has not checkpointed any group`,
      );
    if (cpScan.malformed) problems.push(`${cpScan.malformed} malformed checkpoint record(s) skipped`);
    if (unmirroredTopics.length)
      problems.push(
        `${unmirroredTopics.length} source topic(s) in the flow are not mirrored: ${unmirroredTopics.slice(0, 5).join(', ')}${unmirroredTopics.length > 5 ? ', …' : ''}`,
      );
    const lagMsValues = partitions.map((p) => p.lagMs).filter((x): x is number => x !== null);
    return {
      name: flow.name,
      source: flow.source,
      target: flow.target,
      replicationSource: positions.source,
      checkpointsTopic: cpScan.topic,
      offsetSyncsTopic: syncScan.topic,
      totals: {
        partitions: partitions.length,
        lagRecords: partitions.reduce((s, p) => s + p.lagRecords, 0),
        maxLagMs: lagMsValues.length ? Math.max(...lagMsValues) : null,
        groups: groups.length,
      },
      partitions,
      groups,
      unmirroredTopics,
      problems,
    };
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}

/** Last replicated upstream offset per `topic:partition`: Connect's source offsets, else the newest offset sync. */
async function replicatedPositions(
  config: Config,
  flow: FlowConfig,
  syncs: Map<string, Array<{ upstreamOffset: bigint }>>,
  problems: string[],
): Promise<{ source: FlowLag['replicationSource']; offsets: Map<string, number> }> {
  if (flow.mm2.mode === 'connect') {
    const url = flow.mm2.url ?? config.clusters[flow.target]!.connect!.url;
    try {
      const offsets = await new ConnectRest(
        url,
        config.clusters[flow.target]!.timeouts.connectMs,
      ).sourceOffsets(flow.mm2.connectors.source);
      return { source: 'connect-offsets', offsets };
    } catch (err) {
      problems.push(
        `${(err as Error).message}; using offset syncs instead (they trail by up to offset.lag.max records)`,
      );
    }
  }
  if (syncs.size === 0) return { source: 'none', offsets: new Map() };
  const offsets = new Map<string, number>();
  for (const [key, list] of syncs) offsets.set(key, Number(list[list.length - 1]!.upstreamOffset));
  return { source: 'offset-syncs', offsets };
}

/** For the most lagging partitions: now − timestamp of the oldest record not yet replicated. */
async function measureTimeLag(
  source: ClusterReader,
  partitions: PartitionLag[],
  samples: number,
  now: () => number,
): Promise<void> {
  const lagging = partitions
    .filter((p) => p.lagRecords > 0)
    .sort((a, b) => b.lagRecords - a.lagRecords)
    .slice(0, samples);
  await Promise.all(
    lagging.map(async (p) => {
      let ts: number | undefined;
      await source.readRange(
        p.topic,
        p.partition,
        BigInt(p.replicatedUpTo),
        BigInt(p.replicatedUpTo) + 1n,
        (r) => {
          ts = r.timestamp;
        },
      );
      p.lagMs = ts === undefined ? null : Math.max(0, now() - ts);
    }),
  );
}

async function groupLags(
  source: ClusterReader,
  flow: FlowConfig,
  opts: LagOptions,
  sourceEnds: Map<string, bigint[]>,
  targetEnds: Map<string, bigint[]>,
  checkpoints: Awaited<ReturnType<typeof scanCheckpoints>>['latest'],
  syncs: Awaited<ReturnType<typeof scanOffsetSyncs>>['syncs'],
  now: () => number,
): Promise<GroupLag[]> {
  const inFlow = flowGroupFilter(flow);
  const all = (await source.listGroups()).filter(inFlow).sort();
  if (opts.group && !all.includes(opts.group)) {
    const known = all.slice(0, 10).join(', ') || 'none';
    throw new KdrError(
      'KDR_UNKNOWN_GROUP',
      `no consumer group "${opts.group}" of flow ${flow.name} exists on ${flow.source}`,
      {
        hint: `the flow's groups (pattern "${flow.groups}") on ${flow.source}: ${known}${all.length > 10 ? `, … (${all.length} in all)` : ''}`,
      },
    );
  }
  const ids = opts.group ? [opts.group] : all;
  const infos = new Map((await source.describeGroups(ids)).map((g) => [g.groupId, g]));
  const commits = await mapLimit(ids, 16, (g) => source.groupOffsets(g));
  const out: GroupLag[] = [];
  for (const [i, group] of ids.entries()) {
    const partitions: GroupPartitionLag[] = [];
    let newestCheckpoint = 0;
    for (const c of commits[i]!) {
      const end = sourceEnds.get(c.topic)?.[c.partition];
      if (end === undefined) continue; // a topic outside the flow
      const targetTopic = remoteTopic(flow, c.topic);
      const cp = checkpoints.get(checkpointKey(group, targetTopic, c.partition));
      const targetEnd = targetEnds.get(targetTopic)?.[c.partition];
      if (cp) newestCheckpoint = Math.max(newestCheckpoint, cp.timestamp);
      partitions.push({
        topic: c.topic,
        targetTopic,
        partition: c.partition,
        sourceCommitted: Number(c.offset),
        sourceEnd: Number(end),
        translated: cp ? Number(cp.downstreamOffset) : null,
        checkpointUpstream: cp ? Number(cp.upstreamOffset) : null,
        targetEnd: targetEnd === undefined ? null : Number(targetEnd),
        slack: cp && targetEnd !== undefined ? Number(targetEnd - cp.downstreamOffset) : null,
        expectedRereads: cp
          ? expectedRereads(c.offset, cp.downstreamOffset, syncs.get(`${c.topic}:${c.partition}`))
          : null,
      });
    }
    if (partitions.length === 0) continue;
    partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    const info = infos.get(group);
    out.push({
      group,
      status: (await opts.groupStatus?.(flow.name, group)) ?? 'NO_HISTORY',
      state: info?.state ?? 'Unknown',
      members: info?.members ?? 0,
      sourceLag: partitions.reduce((s, p) => s + Math.max(0, p.sourceEnd - p.sourceCommitted), 0),
      checkpointAgeMs: newestCheckpoint ? Math.max(0, now() - newestCheckpoint) : null,
      checkpointLag: partitions.reduce(
        (s, p) => s + Math.max(0, p.sourceCommitted - (p.checkpointUpstream ?? 0)),
        0,
      ),
      partitions,
    });
  }
  return out;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
