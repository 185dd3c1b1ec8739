import type { ClusterConfig } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ClusterAdmin } from '../kafka/cluster-admin.js';
import { ClusterReader } from '../kafka/cluster-reader.js';
import type { Manifest } from './manifest.js';
import type { NameMap } from './name-map.js';
import type { TargetState } from './restore-plan.js';
import { latestByKey } from './schemas-topic.js';

/** Reads what a restore plan compares against: only the target's topics, groups and ACLs the backup names. */
export async function readTargetState(
  admin: ClusterAdmin,
  cfg: ClusterConfig,
  log: Logger,
  m: Manifest,
  map: NameMap,
  schemasTopic: string,
): Promise<TargetState> {
  const cluster = await admin.describeCluster();
  const names = new Set(m.content.topics.map((t) => map.topic(t.name)));
  names.add(schemasTopic);
  for (const g of m.content.groups) for (const o of g.offsets) names.add(o.topic);
  const shapes = await admin.topicShapes((t) => names.has(t));
  const configs = await admin.topicConfigs([...shapes.keys()]);
  const topics: TargetState['topics'] = new Map();
  for (const [name, shape] of shapes) {
    const overrides: Record<string, string> = {};
    for (const [k, v] of Object.entries(configs.get(name) ?? {}))
      if (v.source === 'topic' && v.value !== null) overrides[k] = v.value;
    topics.set(name, { ...shape, overrides });
  }
  const acls = await admin.acls().catch((err: KdrError) => {
    if (err.code === 'KDR_ACLS_UNAVAILABLE') return { unavailable: err.message };
    throw err;
  });
  const wanted = new Set(m.content.groups.map((g) => g.groupId));
  const live = (await admin.groups()).filter((g) => wanted.has(g.groupId));
  const committed = await admin.committedOffsets(live.map((g) => g.groupId));
  const groups: TargetState['groups'] = new Map(
    live.map((g) => [
      g.groupId,
      {
        state: g.state,
        members: g.members,
        offsets: new Map(
          (committed.get(g.groupId) ?? []).map((o) => [`${o.topic}:${o.partition}`, o.offset]),
        ),
      },
    ]),
  );
  const reader = new ClusterReader(admin.clusterName, cfg, log);
  try {
    const offsetTopics = new Map(
      [...new Set(m.content.groups.flatMap((g) => g.offsets.map((o) => o.topic)))]
        .filter((t) => shapes.has(t))
        .map((t) => [t, shapes.get(t)!.partitions]),
    );
    const ends = await reader.endOffsets(offsetTopics);
    const schemas = shapes.has(schemasTopic)
      ? new Map([...(await latestByKey(reader, schemasTopic))].map(([k, r]) => [k, r.value]))
      : undefined;
    return {
      cluster: admin.clusterName,
      clusterId: cluster.clusterId,
      brokers: cluster.brokers.length,
      topics,
      ends,
      acls,
      groups,
      ...(schemas ? { schemas } : {}),
    };
  } catch (err) {
    throw err instanceof KdrError ? err : new KdrError('KDR_KAFKA', String(err));
  } finally {
    await reader.close();
  }
}
