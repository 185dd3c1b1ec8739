import type { FlowConfig } from '../config/load.js';
import { wholeName } from '../core/pattern.js';
import { type AclBinding, aclKey, type TopicDefinition } from '../kafka/metadata-types.js';
import {
  DEFAULT_TOPICS_EXCLUDE,
  formatRemoteTopic,
  isInternalTopic,
  MM2_CONFIG_EXCLUDE,
  topicSource,
  upstreamTopic,
} from '../mm2/naming.js';
import { mirrorAcl } from './name-map.js';

export type DriftKind = 'missing-topic' | 'partitions' | 'config' | 'orphan-mirror' | 'acl-missing';

export interface DriftItem {
  kind: DriftKind;
  /** Stable fingerprint (includes the values): the scheduled check alerts once per fingerprint. */
  id: string;
  text: string;
}

export interface IgnoredRule {
  rule: string;
  why: string;
  count: number;
  examples: string[];
}

export interface DriftReport {
  flow: string;
  source: string;
  target: string;
  comparedTopics: number;
  items: DriftItem[];
  ignored: IgnoredRule[];
  /** Parts that could not be compared (e.g. ACLs without an authorizer), with the reason. */
  notCompared: string[];
}

export interface DriftSide {
  topics: TopicDefinition[];
  acls: AclBinding[] | { unavailable: string };
}

/** MirrorSourceConnector.isCycle: a topic that came from the target (over any number of hops) is not mirrored back. */
function isCycle(p: FlowConfig['replicationPolicy'], topic: string, targetAlias: string): boolean {
  if (p.type === 'identity') return false;
  for (let t: string | null = topic; t !== null; t = upstreamTopic(p, t)) {
    const source = topicSource(p, t);
    if (source === null) return false;
    if (source === targetAlias) return true;
  }
  return false;
}

const RULES: Record<string, string> = {
  'mm2-topics-exclude': "MM2's default topics.exclude (internal and *.replica topics) never mirrors these",
  'mm2-config-exclude': "MM2's config.properties.exclude default: MM2 never copies these configs",
  'broker-level':
    "neither side overrides it on the topic: each cluster's broker config decides, and MM2 copies only topic-level overrides",
  sensitive: 'the broker withholds sensitive values, so they cannot be compared',
  'acl-write-not-mirrored': 'MM2 never mirrors ALLOW WRITE topic ACLs (only consumers read on the target)',
};

/**
 * Compares a flow's source and target through its naming policy, as MM2 would leave them: every mirrored
 * source topic exists on the target with at least as many partitions and the same topic-level configs, and the
 * topic ACLs MM2's sync would create are there. Differences MM2 makes on purpose are ignored, each counted under
 * the rule that ignored it.
 */
export function compareFlow(flow: FlowConfig, src: DriftSide, tgt: DriftSide): DriftReport {
  const p = flow.replicationPolicy;
  const topicFilter = wholeName(flow.topics);
  const items: DriftItem[] = [];
  const ignored = new Map<string, IgnoredRule>();
  const ignore = (rule: string, example: string) => {
    const r = ignored.get(rule) ?? { rule, why: RULES[rule] ?? rule, count: 0, examples: [] };
    r.count++;
    if (r.examples.length < 3) r.examples.push(example);
    ignored.set(rule, r);
  };
  const targetTopics = new Map(tgt.topics.map((t) => [t.name, t]));
  const mirrored = new Set<string>();
  let compared = 0;
  for (const s of src.topics) {
    if (!(topicFilter.test(s.name) || s.name === 'heartbeats') || isCycle(p, s.name, flow.target)) continue;
    if (isInternalTopic(p, s.name) || DEFAULT_TOPICS_EXCLUDE.some((re) => re.test(s.name))) {
      ignore('mm2-topics-exclude', s.name);
      continue;
    }
    const name = formatRemoteTopic(p, flow.source, s.name);
    mirrored.add(name);
    const t = targetTopics.get(name);
    if (!t) {
      items.push({
        kind: 'missing-topic',
        id: `missing-topic:${s.name}`,
        text: `${s.name} on ${flow.source} is not mirrored: ${name} does not exist on ${flow.target}`,
      });
      continue;
    }
    compared++;
    if (t.partitions !== s.partitions)
      items.push({
        kind: 'partitions',
        id: `partitions:${name}:${s.partitions}:${t.partitions}`,
        text: `${name}: ${t.partitions} partition(s) on ${flow.target}, ${s.partitions} on ${flow.source}`,
      });
    const keys = new Set([...Object.keys(s.configs), ...Object.keys(t.configs)]);
    for (const key of [...keys].sort()) {
      const a = s.configs[key];
      const b = t.configs[key];
      if (a?.source !== 'topic' && b?.source !== 'topic') continue;
      const av = a?.value ?? '(default)';
      const bv = b?.value ?? '(default)';
      if (av === bv) continue;
      const example = `${name} ${key}: ${bv} on ${flow.target}, ${av} on ${flow.source}`;
      if (MM2_CONFIG_EXCLUDE.includes(key)) ignore('mm2-config-exclude', example);
      else if (a?.sensitive || b?.sensitive) ignore('sensitive', `${name} ${key}`);
      else items.push({ kind: 'config', id: `config:${name}:${key}:${av}:${bv}`, text: example });
    }
  }
  for (const t of tgt.topics) {
    if (mirrored.has(t.name) || topicSource(p, t.name) !== flow.source || p.type === 'identity') continue;
    const upstream = upstreamTopic(p, t.name);
    if (upstream === null || !topicFilter.test(upstream) || upstream.endsWith('heartbeats')) continue;
    items.push({
      kind: 'orphan-mirror',
      id: `orphan-mirror:${t.name}`,
      text: `${t.name} on ${flow.target} mirrors ${upstream}, which no longer exists on ${flow.source}`,
    });
  }
  const notCompared: string[] = [];
  if ('unavailable' in src.acls || 'unavailable' in tgt.acls)
    notCompared.push(
      `ACLs: ${'unavailable' in src.acls ? src.acls.unavailable : ''}${'unavailable' in tgt.acls ? ` ${tgt.acls.unavailable}` : ''}`.trim(),
    );
  else {
    const have = new Set(tgt.acls.map(aclKey));
    const groupFilter = wholeName(flow.groups);
    for (const a of src.acls) {
      if (a.resourceType === 'group' && a.patternType === 'literal' && groupFilter.test(a.resourceName)) {
        if (!have.has(aclKey(a)))
          items.push({
            kind: 'acl-missing',
            id: `acl-missing:${aclKey(a)}`,
            text: `ACL ${a.permission} ${a.principal} ${a.operation} on group ${a.resourceName} is missing on ${flow.target} (MM2 does not copy group ACLs; the group's consumers need it after a failover)`,
          });
        continue;
      }
      if (a.resourceType !== 'topic' || !topicFilter.test(a.resourceName)) continue;
      const expected = mirrorAcl(a, (n) => formatRemoteTopic(p, flow.source, n));
      if (!expected) {
        ignore('acl-write-not-mirrored', `${a.principal} write ${a.resourceName}`);
        continue;
      }
      if (!have.has(aclKey(expected)))
        items.push({
          kind: 'acl-missing',
          id: `acl-missing:${aclKey(expected)}`,
          text: `ACL ${expected.permission} ${expected.principal} ${expected.operation} on topic ${expected.resourceName} (from ${a.patternType} ${a.resourceName} on ${flow.source}) is missing on ${flow.target}`,
        });
    }
  }
  return {
    flow: flow.name,
    source: flow.source,
    target: flow.target,
    comparedTopics: compared,
    items,
    ignored: [...ignored.values()],
    notCompared,
  };
}
