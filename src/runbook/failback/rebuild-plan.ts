import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterAdmin } from '../../kafka/cluster-admin.js';
import { ClusterReader } from '../../kafka/cluster-reader.js';
import { ConnectRest } from '../../mm2/connect-rest.js';
import { remoteTopic } from '../../mm2/naming.js';
import type { Refusal } from '../../pipeline/change.js';
import { dataOf, type StepContext } from '../step.js';
import type { Run } from '../types.js';
import { type FailbackAssessData, failoverOf, orphanBase } from './assess.js';
import { connectUrlOf } from './reverse-flow.js';

export interface RebuildPartition {
  partition: number;
  /** The old primary's log start and end now, and the end DR had of it (frozen or replicated). */
  start: number;
  end: number;
  base: number;
  /** DR's copy of it: [drStart, drEnd). */
  drStart: number;
  drEnd: number;
}

export interface RebuildTopic {
  topic: string;
  /** Its copy on DR (`<primary>.<topic>`), where the rebuilt history comes from. */
  remote: string;
  replicationFactor: number;
  /** The topic's own configs (set on the topic, not inherited), recreated as they are. */
  configs: Record<string, string>;
  partitions: RebuildPartition[];
}

export interface RebuildBody {
  topics: RebuildTopic[];
  /** Commits on these topics that are carried into the rebuilt ones (groups not moved by the offsets step there). */
  carried: Record<string, Array<{ topic: string; partition: number; offset: number }>>;
  /** The forward source connector (stopped by the failover's fence), positioned at the rebuilt ends. */
  connector: { name: string; alias: string } | null;
  /** Where the orphaned records are saved before anything is deleted. */
  file: string;
}

const topicOf = (k: string) => k.slice(0, k.lastIndexOf(':'));
const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0);

/** A file of the run's that does not exist yet: a second attempt never overwrites what the first one saved. */
export function orphansFile(ctx: StepContext, run: Run): string {
  const dir = join(ctx.config.dataDir, 'runs', run.run);
  for (let i = 1; ; i++) {
    const f = join(dir, i === 1 ? 'orphans.jsonl' : `orphans-${i}.jsonl`);
    if (!existsSync(f)) return f;
  }
}

/**
 * What `--orphans rebuild` would do, read-only: per topic holding orphaned writes, its shape and own configs, its
 * ends on the old primary and on DR's copy; the groups whose commits on it must be carried over; the forward
 * connector to position. Refused: a copy missing on DR, a config the broker withholds, a group consuming there, a
 * forward connector that is not stopped.
 */
export async function rebuildFacts(
  ctx: StepContext,
  run: Run,
): Promise<{ body: RebuildBody; refusals: Refusal[] }> {
  const fwd = ctx.forward;
  const a = dataOf<FailbackAssessData>(run, 'assess')!;
  const { base } = orphanBase(await failoverOf(ctx, run));
  const names = [...new Set(Object.keys(a.orphans.partitions).map(topicOf))].sort();
  const refusals: Refusal[] = [];
  const body: RebuildBody = { topics: [], carried: {}, connector: null, file: orphansFile(ctx, run) };
  if (names.length === 0) return { body, refusals };
  const admin = new ClusterAdmin(fwd.source, ctx.config.clusters[fwd.source]!, ctx.log);
  const primary = new ClusterReader(fwd.source, ctx.config.clusters[fwd.source]!, ctx.log);
  const dr = new ClusterReader(fwd.target, ctx.config.clusters[fwd.target]!, ctx.log);
  try {
    const shapes = await admin.topicShapes((t) => names.includes(t));
    const configs = await admin.topicConfigs(names);
    const drTopics = await dr.topicPartitions();
    for (const topic of names) {
      const remote = remoteTopic(fwd, topic);
      if (!drTopics.has(remote)) {
        refusals.push({
          code: 'KDR_REFUSED',
          message: `${remote} is not on ${fwd.target}: there is nothing to rebuild ${topic} from`,
          hint: `fail back with \`--orphans keep\`, or rebuild ${topic} by hand`,
        });
        continue;
      }
      const own = Object.entries(configs.get(topic) ?? {}).filter(([, v]) => v.source === 'topic');
      const hidden = own.filter(([, v]) => v.value === null).map(([k]) => k);
      if (hidden.length)
        refusals.push({
          code: 'KDR_REFUSED',
          message: `${topic} has configs the broker withholds (${hidden.join(', ')}): kdr cannot create it again as it is`,
          hint: `fail back with \`--orphans keep\`, or rebuild ${topic} by hand`,
        });
      const [ends, drEnds] = await Promise.all([primary.ends(topic), dr.ends(remote)]);
      const drBy = new Map(drEnds.map((e) => [e.partition, e]));
      body.topics.push({
        topic,
        remote,
        replicationFactor: shapes.get(topic)?.replicationFactor ?? 1,
        configs: Object.fromEntries(own.map(([k, v]) => [k, v.value ?? ''])),
        partitions: ends.map((e) => ({
          partition: e.partition,
          start: Number(e.low),
          end: Number(e.high),
          base: base[`${topic}:${e.partition}`] ?? Number(e.high),
          drStart: Number(drBy.get(e.partition)?.low ?? 0n),
          drEnd: Number(drBy.get(e.partition)?.high ?? 0n),
        })),
      });
    }
    // every group with commits on these topics keeps its place; the run's groups are moved by the offsets step
    // where they committed on DR's copy, so only their other partitions are carried
    const groups = await admin.groups();
    const commits = await admin.committedOffsets(groups.map((g) => g.groupId));
    for (const g of groups) {
      const on = (commits.get(g.groupId) ?? []).filter((c) => names.includes(c.topic));
      if (on.length === 0) continue;
      if (g.members > 0) {
        refusals.push({
          code: 'KDR_GROUP_ACTIVE',
          message: `group ${g.groupId} has ${g.members} member(s) reading ${[...new Set(on.map((c) => c.topic))].join(', ')} on ${fwd.source}`,
          hint: 'stop its consumers there first: a topic is not deleted under a reading group',
        });
        continue;
      }
      const onDr = a.groups.includes(g.groupId)
        ? new Set((await dr.groupOffsets(g.groupId)).map((c) => `${c.topic}:${c.partition}`))
        : new Set<string>();
      // as numbers: the body is JSON (hashed, stored with the plan)
      const carried = on
        .filter((c) => !onDr.has(`${remoteTopic(fwd, c.topic)}:${c.partition}`))
        .map((c) => ({ topic: c.topic, partition: c.partition, offset: Number(c.offset) }));
      if (carried.length) body.carried[g.groupId] = carried;
    }
  } finally {
    await Promise.all([admin.close(), primary.close(), dr.close()]);
  }
  if (fwd.mm2.mode === 'connect') {
    const rest = new ConnectRest(connectUrlOf(ctx.config, fwd), 5000);
    const name = fwd.mm2.connectors.source;
    const [status, config] = await Promise.all([rest.connectorStatus(name), rest.connectorConfig(name)]);
    if (status.state !== 'STOPPED')
      refusals.push({
        code: 'KDR_REFUSED',
        message: `the forward connector ${name} is ${status.state}, not STOPPED: its position in the rebuilt topics cannot be set`,
        hint: 'the failover fences it; stop it (`PUT /connectors/<name>/stop`) and plan again',
      });
    body.connector = { name, alias: config?.['source.cluster.alias'] ?? fwd.source };
  }
  return { body, refusals };
}

/** The plan in words: every topic with its record counts, what is saved, who keeps their place. */
export function rebuildText(ctx: StepContext, b: RebuildBody): string {
  const { source, target } = ctx.forward;
  if (b.topics.length === 0) return 'no orphaned writes: nothing to rebuild';
  const lines = [
    `DESTRUCTIVE: delete ${b.topics.length} topic(s) on ${source} and create them again from ${target}'s copy:`,
  ];
  for (const t of b.topics) {
    const now = sum(t.partitions.map((p) => p.end - p.start));
    const orphans = sum(t.partitions.map((p) => Math.max(0, p.end - p.base)));
    const copy = sum(t.partitions.map((p) => p.drEnd - p.drStart));
    const older = sum(t.partitions.map((p) => Math.max(0, Math.min(p.base, p.end) - p.start))) - copy;
    lines.push(
      `- ${t.topic} (${t.partitions.length} partition(s), RF ${t.replicationFactor}${Object.keys(t.configs).length ? `, ${Object.keys(t.configs).length} own config(s)` : ''}): ${now} record(s) on ${source} now, ${orphans} of them orphaned; rebuilt with the ${copy} record(s) of ${t.remote} on ${target}${older > 0 ? `; ${older} older record(s) ${target} does not hold are lost too` : ''}`,
    );
  }
  const orphans = sum(b.topics.flatMap((t) => t.partitions.map((p) => Math.max(0, p.end - p.base))));
  lines.push(`the ${orphans} orphaned record(s) are saved first to ${b.file}`);
  const carried = Object.keys(b.carried);
  if (carried.length)
    lines.push(
      `${carried.length} group(s) keep their place in the rebuilt topics (their commits carried over through MM2's offset syncs): ${carried.slice(0, 10).join(', ')}${carried.length > 10 ? ', …' : ''}`,
    );
  if (b.connector)
    lines.push(
      `${b.connector.name} is positioned at the rebuilt ends (it does not copy them to ${target} again)`,
    );
  lines.push('abort afterwards does not bring the orphaned records back: they are in the file');
  return lines.join('\n');
}
