import { createHash } from 'node:crypto';
import { KdrError } from '../core/errors.js';
import type { NameMatcher } from '../core/pattern.js';
import { type AclBinding, aclKey, type RawRecord } from '../kafka/metadata-types.js';
import { MM2_CONFIG_EXCLUDE } from '../mm2/naming.js';
import { canonicalJson, type Manifest } from './manifest.js';
import type { NameMap } from './name-map.js';

export const RESTORE_PARTS = ['topics', 'configs', 'acls', 'groups', 'schemas'] as const;
export type RestorePart = (typeof RESTORE_PARTS)[number];

/** What the plan needs to know about the target, read just before planning (and again before applying). */
export interface TargetState {
  cluster: string;
  clusterId: string;
  brokers: number;
  topics: Map<string, { partitions: number; replicationFactor: number; overrides: Record<string, string> }>;
  /** High watermarks of the topics the backup's groups committed on (where they exist). */
  ends: Map<string, bigint[]>;
  acls: AclBinding[] | { unavailable: string };
  groups: Map<string, { state: string; members: number; offsets: Map<string, bigint> }>;
  /** The registry storage topic's latest value per key (base64), when the topic exists. */
  schemas?: Map<string, string | null>;
}

export interface RestoreOptions {
  parts: Set<RestorePart>;
  /** Only topics (backup names) matching this. */
  topics: NameMatcher;
  map: NameMap;
  addPartitions: boolean;
  /** Offsets behind a group's live ones are written too (else: will not, with the records it would re-read). */
  allowRewind?: boolean;
  replicationFactor?: number;
  schemasTopic: string;
}

export type RestoreAction =
  | {
      kind: 'create-topic';
      topic: string;
      partitions: number;
      replicationFactor: number;
      configs: Record<string, string>;
    }
  | { kind: 'add-partitions'; topic: string; from: number; to: number }
  | {
      kind: 'set-configs';
      topic: string;
      changes: Record<string, { from: string | null; to: string }>;
      overrides: Record<string, string>;
    }
  | { kind: 'create-acls'; bindings: AclBinding[] }
  | {
      kind: 'set-offsets';
      group: string;
      offsets: Array<{ topic: string; partition: number; offset: string; from: string | null }>;
      beyondEnd: number;
    }
  | {
      kind: 'write-schemas';
      topic: string;
      createTopic: { partitions: number; replicationFactor: number } | null;
      records: RawRecord[];
    };

export interface RestorePlan {
  backupId: string;
  from: { cluster: string; clusterId: string };
  to: { cluster: string; clusterId: string };
  mapping: string;
  actions: RestoreAction[];
  willNot: Array<{ what: string; reason: string }>;
  notes: string[];
  hash: string;
}

const sameConfigs = (a: Record<string, string>, b: Record<string, string>) =>
  canonicalJson(a) === canonicalJson(b);

/**
 * Diffs a backup against the target's live state into the actions that make the target match (additive: a
 * restore never deletes a topic, an override, an ACL or a commit) and the things it will not do, each with the
 * reason. Applying the plan and planning again gives an empty plan.
 */
export function planRestore(m: Manifest, t: TargetState, o: RestoreOptions): RestorePlan {
  const actions: RestoreAction[] = [];
  const willNot: RestorePlan['willNot'] = [];
  const notes: string[] = [];
  const topicsAfter = new Map<string, number>([...t.topics].map(([n, d]) => [n, d.partitions]));
  const wanted = m.content.topics.filter((x) => o.topics.test(x.name));
  const mm2Excluded = new Set<string>();

  if (m.cluster.name !== t.cluster && m.cluster.clusterId === t.clusterId)
    throw new KdrError(
      'KDR_WRONG_CLUSTER',
      `backup ${m.id} is of cluster ${m.cluster.name} (id ${m.cluster.clusterId}), and --to ${t.cluster} is that same cluster (same id): the config names one cluster twice`,
      {
        hint: `check clusters.${t.cluster}.bootstrap; to restore onto the cluster it came from, use --to ${m.cluster.name}`,
      },
    );
  if (m.cluster.name === t.cluster && m.cluster.clusterId !== t.clusterId)
    notes.push(
      `${t.cluster} has a new cluster id (${m.cluster.clusterId} in the backup, ${t.clusterId} now): restoring onto a rebuilt cluster`,
    );

  if (o.parts.has('topics') || o.parts.has('configs'))
    for (const def of wanted) {
      const name = o.map.topic(def.name);
      const overrides: Record<string, string> = {};
      for (const [k, v] of Object.entries(def.configs)) {
        if (v.source !== 'topic') continue;
        if (o.map.mirrored && MM2_CONFIG_EXCLUDE.includes(k)) {
          mm2Excluded.add(k);
          continue;
        }
        if (v.value === null)
          willNot.push({
            what: `config ${k} of ${name}`,
            reason: 'its value is sensitive and was not exported',
          });
        else overrides[k] = v.value;
      }
      const live = t.topics.get(name);
      if (!live) {
        if (!o.parts.has('topics')) {
          willNot.push({
            what: `configs of ${name}`,
            reason: `the topic does not exist on ${t.cluster} and topics are not restored (--only)`,
          });
          continue;
        }
        const rf = o.replicationFactor ?? def.replicationFactor;
        if (rf > t.brokers) {
          willNot.push({
            what: `topic ${name}`,
            reason: `replication factor ${rf} needs ${rf} brokers; ${t.cluster} has ${t.brokers}. Pass --replication-factor ${t.brokers} to create it with fewer replicas`,
          });
          continue;
        }
        actions.push({
          kind: 'create-topic',
          topic: name,
          partitions: def.partitions,
          replicationFactor: rf,
          configs: o.parts.has('configs') ? overrides : {},
        });
        topicsAfter.set(name, def.partitions);
        continue;
      }
      if (live.replicationFactor !== def.replicationFactor)
        notes.push(
          `${name}: replication factor ${live.replicationFactor} on ${t.cluster}, ${def.replicationFactor} in the backup; kdr does not reassign replicas`,
        );
      if (o.parts.has('topics')) {
        if (live.partitions < def.partitions) {
          if (o.addPartitions) {
            actions.push({ kind: 'add-partitions', topic: name, from: live.partitions, to: def.partitions });
            topicsAfter.set(name, def.partitions);
          } else
            willNot.push({
              what: `partitions of ${name}`,
              reason: `${live.partitions} on ${t.cluster}, ${def.partitions} in the backup: adding partitions sends keys to other partitions; pass --add-partitions to grow it`,
            });
        } else if (live.partitions > def.partitions)
          willNot.push({
            what: `partitions of ${name}`,
            reason: `${live.partitions} on ${t.cluster}, ${def.partitions} in the backup: Kafka cannot remove partitions`,
          });
      }
      if (o.parts.has('configs')) {
        const changes: Record<string, { from: string | null; to: string }> = {};
        for (const [k, v] of Object.entries(overrides))
          if (live.overrides[k] !== v) changes[k] = { from: live.overrides[k] ?? null, to: v };
        const merged = { ...live.overrides, ...overrides };
        if (Object.keys(changes).length && !sameConfigs(merged, live.overrides))
          actions.push({ kind: 'set-configs', topic: name, changes, overrides: merged });
      }
    }

  if (mm2Excluded.size)
    willNot.push({
      what: `configs ${[...mm2Excluded].sort().join(', ')} on the mirrors`,
      reason: 'MM2 never copies these (config.properties.exclude): each cluster sets them for itself',
    });

  if (o.parts.has('acls')) {
    if ('unavailable' in t.acls) willNot.push({ what: 'ACLs', reason: t.acls.unavailable });
    else {
      const have = new Set(t.acls.map(aclKey));
      const missing: AclBinding[] = [];
      let notForMirrors = 0;
      for (const a of m.content.acls) {
        if (a.resourceType === 'topic' && a.patternType === 'literal' && !o.topics.test(a.resourceName))
          continue;
        const mapped = o.map.acl(a);
        if (!mapped) {
          notForMirrors++;
          continue;
        }
        if (!have.has(aclKey(mapped))) {
          missing.push(mapped);
          have.add(aclKey(mapped));
        }
      }
      if (notForMirrors)
        willNot.push({
          what: `${notForMirrors} ALLOW WRITE topic ACL(s)`,
          reason: 'only MirrorMaker 2 writes to mirrored topics (as its ACL sync does, they are not copied)',
        });
      if (missing.length) actions.push({ kind: 'create-acls', bindings: missing });
    }
    if (m.content.skipped.some((s) => s.part === 'acls'))
      willNot.push({ what: 'ACLs', reason: 'the backup has none: they could not be read when it was taken' });
  }

  if (o.parts.has('groups'))
    for (const g of m.content.groups) {
      const offsets = g.offsets.filter((x) => o.topics.test(x.topic));
      if (!offsets.length) continue;
      if (o.map.mirrored) {
        willNot.push({
          what: `offsets of group ${g.groupId}`,
          reason: `offsets on a mirror differ from the source's; use \`kdr translate ${g.groupId}\``,
        });
        continue;
      }
      const live = t.groups.get(g.groupId);
      if (live && live.members > 0) {
        willNot.push({
          what: `offsets of group ${g.groupId}`,
          reason: `it has ${live.members} active member(s) on ${t.cluster} (state ${live.state}); stop its consumers first`,
        });
        continue;
      }
      const set: Array<{ topic: string; partition: number; offset: string; from: string | null }> = [];
      let beyondEnd = 0;
      const missingTopics = new Set<string>();
      const rewinds: string[] = [];
      let reread = 0n;
      for (const x of offsets) {
        const parts = topicsAfter.get(x.topic);
        if (parts === undefined || x.partition >= parts) {
          missingTopics.add(`${x.topic}-${x.partition}`);
          continue;
        }
        const from = live?.offsets.get(`${x.topic}:${x.partition}`);
        if (from !== undefined && from.toString() === x.offset) continue;
        if (from !== undefined && BigInt(x.offset) < from && !o.allowRewind) {
          rewinds.push(`${x.topic}-${x.partition}: ${from} → ${x.offset}`);
          reread += from - BigInt(x.offset);
          continue;
        }
        const end = t.ends.get(x.topic)?.[x.partition] ?? 0n;
        if (BigInt(x.offset) > end) beyondEnd++;
        set.push({ ...x, from: from === undefined ? null : from.toString() });
      }
      if (missingTopics.size)
        willNot.push({
          what: `offsets of group ${g.groupId} on ${[...missingTopics].slice(0, 5).join(', ')}${missingTopics.size > 5 ? ` and ${missingTopics.size - 5} more` : ''}`,
          reason: `those partitions do not exist on ${t.cluster} and will not be created`,
        });
      if (rewinds.length)
        willNot.push({
          what: `offsets of group ${g.groupId} on ${rewinds.length} partition(s) (${rewinds.slice(0, 5).join(', ')}${rewinds.length > 5 ? ', …' : ''})`,
          reason: `they are behind where the group is on ${t.cluster}: its consumers would read ${reread} record(s) again. Pass --allow-rewind to move it back`,
        });
      if (set.length) actions.push({ kind: 'set-offsets', group: g.groupId, offsets: set, beyondEnd });
    }

  if (o.parts.has('schemas') && m.content.schemas) {
    const s = m.content.schemas;
    const name = o.schemasTopic;
    const conflicts: string[] = [];
    const records = s.records.filter((r) => {
      const have = t.schemas?.get(r.key ?? '');
      if (have === undefined || have === null) return true;
      if (have !== r.value)
        conflicts.push(r.key ? Buffer.from(r.key, 'base64').toString('utf8') : '(null key)');
      return false;
    });
    if (conflicts.length)
      willNot.push({
        what: `schemas (${s.records.length} record(s) in the backup)`,
        reason: `${conflicts.length} key(s) hold different values on ${t.cluster}'s ${name} (e.g. ${conflicts[0]}): another registry state is there; writing over it would change ids. Nothing of the schemas part is written`,
      });
    else if (records.length)
      actions.push({
        kind: 'write-schemas',
        topic: name,
        createTopic:
          t.schemas || topicsAfter.has(name)
            ? null
            : { partitions: s.partitions, replicationFactor: Math.min(3, t.brokers) },
        records,
      });
  }

  if (m.content.brokers.length)
    notes.push(
      "dynamic broker configs are in the backup for reference; they are not restored (they tune one cluster's brokers)",
    );
  const hash = createHash('sha256')
    .update(
      canonicalJson({ backup: m.id, checksum: m.checksum, to: t.cluster, clusterId: t.clusterId, actions }),
    )
    .digest('hex');
  return {
    backupId: m.id,
    from: { cluster: m.cluster.name, clusterId: m.cluster.clusterId },
    to: { cluster: t.cluster, clusterId: t.clusterId },
    mapping: o.map.describe,
    actions,
    willNot,
    notes,
    hash,
  };
}
