import kafkajs from 'kafkajs';
import type { ClusterConfig } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createKafkaClient } from './client.js';
import { createTopicsReady } from './create-topics.js';
import { withKafkaDeadline } from './deadline.js';
import { incrementalAlterTopicConfigs } from './incremental-configs.js';
import {
  ACL_OPERATIONS,
  ACL_PATTERN_TYPES,
  ACL_PERMISSIONS,
  ACL_RESOURCE_TYPES,
  type AclBinding,
  type BrokerConfigs,
  CONFIG_SOURCES,
  type ConfigValue,
  type TopicDefinition,
} from './metadata-types.js';
import { lazyRawCluster } from './raw-cluster.js';
import type { CommittedOffset } from './types.js';

const { ConfigResourceTypes } = kafkajs;

/** DescribeConfigs resources per request: one request per chunk keeps each response a few MB at most. */
const CONFIG_CHUNK = 500;
const GROUP_CONCURRENCY = 8;

type RawEntry = {
  configName: string;
  configValue: string | null;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
};

function toConfigs(entries: RawEntry[], keep: (e: RawEntry) => boolean): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const e of entries.filter(keep).sort((a, b) => a.configName.localeCompare(b.configName)))
    out[e.configName] = {
      value: e.isSensitive ? null : e.configValue,
      source: CONFIG_SOURCES[e.configSource] ?? 'unknown',
      sensitive: e.isSensitive,
    };
  return out;
}

const indexOf = <T extends readonly string[]>(list: T, v: string) => {
  const i = list.indexOf(v);
  if (i < 0)
    throw new KdrError('KDR_BAD_ACL', `unknown ACL value "${v}"`, {
      hint: `expected one of ${list.join(', ')}`,
    });
  return i;
};

/** A binding as the admin API takes it (each field named: as a delete filter it matches this binding only). */
const toKafkaAcl = (b: AclBinding) => ({
  resourceType: indexOf(ACL_RESOURCE_TYPES, b.resourceType),
  resourceName: b.resourceName,
  resourcePatternType: indexOf(ACL_PATTERN_TYPES, b.patternType),
  principal: b.principal,
  host: b.host,
  operation: indexOf(ACL_OPERATIONS, b.operation),
  permissionType: indexOf(ACL_PERMISSIONS, b.permission),
});

/**
 * The declarative state of a cluster — topics with their configs, ACLs, committed offsets, dynamic broker
 * configs — read and written through the admin API, each call within the cluster's deadline.
 */
export class ClusterAdmin {
  private readonly client;
  private readonly admin;
  private readonly raw;
  private connected?: Promise<void>;

  constructor(
    readonly clusterName: string,
    private readonly cfg: ClusterConfig,
    log?: Logger,
  ) {
    this.client = createKafkaClient(clusterName, cfg, log);
    this.admin = this.client.admin();
    this.raw = lazyRawCluster(this.client);
  }

  private timed<T>(what: string, work: () => Promise<T>, ms?: number): Promise<T> {
    this.connected ??= this.admin.connect();
    return withKafkaDeadline(
      this.clusterName,
      this.cfg,
      what,
      async () => {
        await this.connected;
        return work();
      },
      ms ? { ms } : {},
    );
  }

  /** A longer deadline for calls whose size grows with the cluster (thousands of topics). */
  private get bulkMs() {
    return (this.cfg.timeouts.connectMs + this.cfg.timeouts.requestMs) * 4;
  }

  async describeCluster(): Promise<{ clusterId: string; brokers: number[] }> {
    const c = await this.timed('describing the cluster', () => this.admin.describeCluster());
    return { clusterId: c.clusterId, brokers: c.brokers.map((b) => b.nodeId).sort((a, b) => a - b) };
  }

  /** Partition count and replication factor of every topic accepted by `keep`. */
  async topicShapes(
    keep: (topic: string) => boolean,
  ): Promise<Map<string, { partitions: number; replicationFactor: number }>> {
    const { topics } = await this.timed(
      'reading topic metadata',
      () => this.admin.fetchTopicMetadata(),
      this.bulkMs,
    );
    const out = new Map<string, { partitions: number; replicationFactor: number }>();
    for (const t of topics.filter((t) => keep(t.name)).sort((a, b) => a.name.localeCompare(b.name)))
      out.set(t.name, {
        partitions: t.partitions.length,
        replicationFactor: Math.max(0, ...t.partitions.map((p) => p.replicas.length)),
      });
    return out;
  }

  /** Every non-default config of each topic (value, source, sensitivity); with `all`, the defaults too. */
  async topicConfigs(topics: string[], all = false): Promise<Map<string, Record<string, ConfigValue>>> {
    const out = new Map<string, Record<string, ConfigValue>>();
    const chunks: string[][] = [];
    for (let i = 0; i < topics.length; i += CONFIG_CHUNK) chunks.push(topics.slice(i, i + CONFIG_CHUNK));
    // a few requests in flight: the broker answers each on its own I/O thread
    const responses = await Promise.all(
      chunks.map((chunk) =>
        this.timed(
          `reading configs of ${chunk.length} topics`,
          () =>
            this.admin.describeConfigs({
              includeSynonyms: false,
              resources: chunk.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
            }),
          this.bulkMs,
        ),
      ),
    );
    for (const res of responses)
      for (const r of res.resources) {
        if (r.errorCode !== 0) continue; // deleted meanwhile; the caller sees it missing
        out.set(
          r.resourceName,
          toConfigs(r.configEntries as RawEntry[], (e) => all || !e.isDefault),
        );
      }
    return out;
  }

  async topicDefinitions(keep: (topic: string) => boolean, allConfigs = false): Promise<TopicDefinition[]> {
    const shapes = await this.topicShapes(keep);
    const configs = await this.topicConfigs([...shapes.keys()], allConfigs);
    return [...shapes]
      .filter(([name]) => configs.has(name))
      .map(([name, s]) => ({ name, ...s, configs: configs.get(name)! }));
  }

  /** Dynamic configs (per broker and cluster-wide defaults) as each broker reports them. */
  async dynamicBrokerConfigs(brokers: number[]): Promise<BrokerConfigs[]> {
    if (brokers.length === 0) return [];
    const res = await this.timed('reading broker configs', () =>
      this.admin.describeConfigs({
        includeSynonyms: false,
        resources: brokers.map((b) => ({ type: ConfigResourceTypes.BROKER, name: String(b) })),
      }),
    );
    return res.resources
      .filter((r) => r.errorCode === 0)
      .map((r) => ({
        broker: r.resourceName,
        configs: toConfigs(
          r.configEntries as RawEntry[],
          (e) => e.configSource === 2 || e.configSource === 3,
        ),
      }))
      .sort((a, b) => a.broker.localeCompare(b.broker));
  }

  /** Every ACL binding; throws KDR_ACLS_UNAVAILABLE when the cluster has no authorizer or denies DESCRIBE. */
  async acls(): Promise<AclBinding[]> {
    const res = await this.timed('describing ACLs', () =>
      this.admin.describeAcls({ resourceType: 1, resourcePatternType: 1, operation: 1, permissionType: 1 }),
    ).catch((err: KdrError) => {
      const msg = err.message ?? '';
      if (/SECURITY_DISABLED|AUTHORIZATION_FAILED|authoriz/i.test(msg))
        throw new KdrError('KDR_ACLS_UNAVAILABLE', `ACLs of ${this.clusterName} cannot be read: ${msg}`, {
          hint: 'the cluster has no authorizer, or kdr lacks DESCRIBE on the cluster',
        });
      throw err;
    });
    return res.resources
      .flatMap((r) =>
        r.acls.map((a) => ({
          resourceType: ACL_RESOURCE_TYPES[r.resourceType] ?? 'unknown',
          resourceName: r.resourceName,
          patternType: ACL_PATTERN_TYPES[r.resourcePatternType] ?? 'unknown',
          principal: a.principal,
          host: a.host,
          operation: ACL_OPERATIONS[a.operation] ?? 'unknown',
          permission: ACL_PERMISSIONS[a.permissionType] ?? 'unknown',
        })),
      )
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }

  async groups(): Promise<Array<{ groupId: string; state: string; members: number }>> {
    const { groups } = await this.timed('listing consumer groups', () => this.admin.listGroups());
    const ids = groups
      .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
      .map((g) => g.groupId);
    if (ids.length === 0) return [];
    const described = await this.timed(
      'describing consumer groups',
      () => this.admin.describeGroups(ids),
      this.bulkMs,
    );
    return described.groups
      .map((g) => ({ groupId: g.groupId, state: g.state, members: g.members.length }))
      .sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /** Committed offsets of each group (OffsetFetch per group, a few at a time). */
  async committedOffsets(groupIds: string[]): Promise<Map<string, CommittedOffset[]>> {
    const out = new Map<string, CommittedOffset[]>();
    const queue = [...groupIds];
    const worker = async () => {
      for (let g = queue.shift(); g !== undefined; g = queue.shift()) {
        const id = g;
        const res = await this.timed(`reading offsets of group ${id}`, () =>
          this.admin.fetchOffsets({ groupId: id }),
        );
        out.set(
          id,
          res
            .flatMap((t) =>
              t.partitions
                .filter((p) => Number(p.offset) >= 0)
                .map((p) => ({ topic: t.topic, partition: p.partition, offset: BigInt(p.offset) })),
            )
            .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
        );
      }
    };
    await Promise.all(Array.from({ length: GROUP_CONCURRENCY }, worker));
    return out;
  }

  /** Creates topics in one request (waiting for their leaders); an existing topic is left as it is. */
  async createTopics(
    defs: Array<{
      name: string;
      partitions: number;
      replicationFactor: number;
      configs: Record<string, string>;
    }>,
  ): Promise<void> {
    if (defs.length === 0) return;
    await this.timed(
      `creating ${defs.length} topic(s)`,
      () =>
        createTopicsReady(
          this.admin,
          defs.map((def) => ({
            topic: def.name,
            numPartitions: def.partitions,
            replicationFactor: def.replicationFactor,
            configEntries: Object.entries(def.configs).map(([name, value]) => ({ name, value })),
          })),
          this.bulkMs,
        ),
      this.bulkMs,
    );
  }

  /**
   * Sets these topic configs one by one (IncrementalAlterConfigs): every other override stays as the broker has it,
   * including values it withholds and changes made meanwhile.
   */
  async setTopicConfigs(topic: string, set: Record<string, string>): Promise<void> {
    await this.timed(`altering configs of ${topic}`, async () => {
      const cluster = await this.raw.get();
      await cluster.addTargetTopic(topic);
      await incrementalAlterTopicConfigs(
        cluster,
        topic,
        Object.entries(set).map(([name, value]) => ({ name, op: 'set' as const, value })),
        this.cfg.timeouts.requestMs,
      );
    });
  }

  /** Deletes topics (their data and their groups' commits) and waits until the metadata no longer lists them. */
  async deleteTopics(topics: string[], timeoutMs = 30_000): Promise<void> {
    if (topics.length === 0) return;
    const present = async () => {
      const all = new Set(await this.timed('listing topics', () => this.admin.listTopics()));
      return topics.filter((t) => all.has(t));
    };
    const left = await present();
    if (left.length === 0) return;
    await this.timed(
      `deleting ${left.join(', ')}`,
      () => this.admin.deleteTopics({ topics: left, timeout: timeoutMs }),
      timeoutMs,
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const still = await present();
      if (still.length === 0) return;
      if (Date.now() > deadline)
        throw new KdrError('KDR_KAFKA', `${still.join(', ')} still listed ${timeoutMs} ms after deletion`, {
          hint: 'check the controller log, then retry',
          retriable: true,
        });
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async addPartitions(topic: string, count: number): Promise<void> {
    await this.timed(`adding partitions to ${topic}`, () =>
      this.admin.createPartitions({ topicPartitions: [{ topic, count }] }),
    );
  }

  async createAcls(bindings: AclBinding[]): Promise<void> {
    if (bindings.length === 0) return;
    await this.timed(`creating ${bindings.length} ACL(s)`, () =>
      this.admin.createAcls({
        acl: bindings.map(toKafkaAcl),
      }),
    );
  }

  /** Deletes exactly these bindings (each filter names every field, so it matches that binding only). */
  async deleteAcls(bindings: AclBinding[]): Promise<void> {
    if (bindings.length === 0) return;
    await this.timed(`deleting ${bindings.length} ACL(s)`, () =>
      this.admin.deleteAcls({
        filters: bindings.map(toKafkaAcl),
      }),
    );
  }

  /** The broker's `authorizer.class.name` (null when none is configured). */
  async authorizerClass(): Promise<string | null> {
    const { brokers } = await this.describeCluster();
    const res = await this.timed('reading the authorizer setting', () =>
      this.admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.BROKER,
            name: String(brokers[0]),
            configNames: ['authorizer.class.name'],
          },
        ],
      }),
    );
    const v = res.resources[0]?.configEntries.find(
      (e) => e.configName === 'authorizer.class.name',
    )?.configValue;
    return v ? v : null;
  }

  /** Appends records (base64 key/value; value null = tombstone) to one partition each, acks=all. */
  async produceRaw(
    topic: string,
    records: Array<{ partition: number; key: string | null; value: string | null }>,
  ): Promise<void> {
    if (records.length === 0) return;
    const producer = this.client.producer({
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    try {
      await this.timed(`writing ${records.length} record(s) to ${topic}`, async () => {
        await producer.connect();
        await producer.send({
          topic,
          acks: -1,
          messages: records.map((r) => ({
            partition: r.partition,
            key: r.key === null ? null : Buffer.from(r.key, 'base64'),
            value: r.value === null ? null : Buffer.from(r.value, 'base64'),
          })),
        });
      });
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.disconnect(), this.raw.close()]);
  }
}
