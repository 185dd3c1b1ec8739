import type { Config } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { type NameMatcher, wholeName } from '../core/pattern.js';
import { ClusterAdmin } from '../kafka/cluster-admin.js';
import { ClusterReader } from '../kafka/cluster-reader.js';
import {
  checksumOf,
  kdrVersion,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type Manifest,
  type ManifestContent,
  PARTS,
  type Part,
} from './manifest.js';
import { latestByKey } from './schemas-topic.js';

export interface BackupOptions {
  /** Topics (and the groups' offsets on them) to include; default all. */
  topics?: string;
  parts?: Part[];
  now?: Date;
}

/** Kafka's and its tools' own topics: they belong to the cluster's processes, not to its applications. */
export const isClusterInternal = (topic: string) =>
  topic.startsWith('__') || topic.endsWith('.internal') || topic.endsWith('-internal');

export const QUOTAS_SKIPPED =
  'client quotas are not exported: kafkajs has no DescribeClientQuotas API; export them with `kafka-configs.sh --describe --entity-type users,clients` alongside this backup';

export function backupId(cluster: string, at: Date): string {
  return `${cluster}-${at.toISOString().replace(/[-:.]/g, '')}`;
}

function describeFailure(err: unknown): string {
  return err instanceof KdrError ? `${err.message}${err.hint ? ` (${err.hint})` : ''}` : String(err);
}

/**
 * Reads the declarative state of one cluster into a manifest. A part that cannot be read (no authorizer, a
 * missing permission) is listed under `skipped` with the reason; an unreachable cluster fails the backup.
 */
export async function takeBackup(
  config: Config,
  log: Logger,
  clusterName: string,
  opts: BackupOptions = {},
): Promise<Manifest> {
  const cfg = config.clusters[clusterName];
  if (!cfg)
    throw new KdrError('KDR_UNKNOWN_CLUSTER', `no cluster named "${clusterName}"`, {
      hint: `configured clusters: ${Object.keys(config.clusters).join(', ')}`,
    });
  const parts = new Set(opts.parts ?? PARTS);
  const topicFilter = wholeName(opts.topics ?? '.*');
  const schemasTopic = config.backup.schemasTopic;
  const keep = (t: string) => !isClusterInternal(t) && topicFilter.test(t);
  const admin = new ClusterAdmin(clusterName, cfg, log);
  const reader = new ClusterReader(clusterName, cfg, log);
  const now = opts.now ?? new Date();
  const skipped: ManifestContent['skipped'] = [];
  const optional = async <T>(part: string, read: () => Promise<T>, empty: T): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      if (
        err instanceof KdrError &&
        err.code === 'KDR_KAFKA' &&
        /timed out|ECONNREFUSED|connect/i.test(err.message)
      )
        throw err;
      skipped.push({ part, reason: describeFailure(err) });
      return empty;
    }
  };
  try {
    const cluster = await admin.describeCluster();
    const wantTopics = parts.has('topics') || parts.has('configs');
    // the parts are independent: read them concurrently
    const [topics, acls, groups, brokers, schemas] = await Promise.all([
      wantTopics ? admin.topicDefinitions(keep) : [],
      // a backup of some topics holds those topics' ACLs (and every non-topic ACL)
      parts.has('acls')
        ? optional(
            'acls',
            async () =>
              (await admin.acls()).filter(
                (a) => a.resourceType !== 'topic' || topicFilter.test(a.resourceName),
              ),
            [],
          )
        : [],
      parts.has('groups') ? optional('groups', () => readGroups(admin, topicFilter), []) : [],
      parts.has('brokers') ? optional('brokers', () => admin.dynamicBrokerConfigs(cluster.brokers), []) : [],
      parts.has('schemas')
        ? optional('schemas', () => readSchemas(admin, reader, schemasTopic), undefined)
        : undefined,
    ]);
    if (parts.has('schemas') && !schemas && !skipped.some((s) => s.part === 'schemas'))
      skipped.push({
        part: 'schemas',
        reason: `no schema registry storage topic "${schemasTopic}" on ${clusterName} (backup.schemasTopic)`,
      });
    if (parts.has('schemas') && cfg.schemaRegistry)
      skipped.push({
        part: 'schemas.rest',
        reason: `the registry at ${new URL(cfg.schemaRegistry.url).host} was not queried over REST: kdr exports its storage topic "${schemasTopic}" (subjects, versions, ids, types, references, compatibility and mode records of Confluent-compatible registries), which restores with the original ids`,
      });
    if (parts.has('brokers')) skipped.push({ part: 'quotas', reason: QUOTAS_SKIPPED });
    skipped.sort((a, b) => a.part.localeCompare(b.part));
    const content: ManifestContent = {
      topics,
      acls,
      groups,
      brokers,
      ...(schemas ? { schemas } : {}),
      skipped,
    };
    const body = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      id: backupId(clusterName, now),
      cluster: { name: clusterName, clusterId: cluster.clusterId },
      createdAt: now.toISOString(),
      kdrVersion: kdrVersion(),
      scope: { topics: opts.topics ?? '.*', parts: PARTS.filter((p) => parts.has(p)) },
      content,
    } as const;
    return { ...body, checksum: checksumOf(body) } as Manifest;
  } finally {
    await Promise.allSettled([admin.close(), reader.close()]);
  }
}

async function readGroups(admin: ClusterAdmin, topicFilter: NameMatcher): Promise<ManifestContent['groups']> {
  const groups = await admin.groups();
  const offsets = await admin.committedOffsets(groups.map((g) => g.groupId));
  return groups
    .map((g) => ({
      groupId: g.groupId,
      state: g.state,
      offsets: (offsets.get(g.groupId) ?? [])
        .filter((o) => topicFilter.test(o.topic) && !isClusterInternal(o.topic))
        .map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset.toString() })),
    }))
    .filter((g) => g.offsets.length > 0);
}

async function readSchemas(
  admin: ClusterAdmin,
  reader: ClusterReader,
  topic: string,
): Promise<ManifestContent['schemas']> {
  const shape = (await admin.topicShapes((t) => t === topic)).get(topic);
  if (!shape) return undefined;
  const records = [...(await latestByKey(reader, topic)).values()].filter((r) => r.value !== null);
  return { topic, partitions: shape.partitions, records };
}
