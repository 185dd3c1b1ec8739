/**
 * MirrorMaker 2's ReplicationPolicy rules (connect/mirror-client), mirrored exactly, including Java's
 * String.split semantics (trailing empty strings dropped).
 */
export interface PolicySpec {
  type: 'default' | 'identity';
  separator: string;
  /** `replication.policy.internal.topic.separator.enabled` (default true; 3.5.2/3.6+ can set false). */
  internalTopicSeparator?: boolean;
}

export interface FlowNaming {
  source: string;
  replicationPolicy: PolicySpec;
}

export const HEARTBEATS_TOPIC = 'heartbeats';

/** Java's `Pattern.compile(Pattern.quote(sep)).split(s)`: trailing empty strings are removed. */
export function javaSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.length === 0 ? [''] : parts;
}

const looksLikeHeartbeat = (topic: string) => topic.endsWith(HEARTBEATS_TOPIC);

function defaultTopicSource(p: PolicySpec, topic: string): string | null {
  const parts = javaSplit(topic, p.separator);
  return parts.length < 2 ? null : parts[0]!;
}

function defaultUpstream(p: PolicySpec, topic: string): string | null {
  const source = defaultTopicSource(p, topic);
  return source === null ? null : topic.slice(source.length + p.separator.length);
}

/** The name MM2 gives `topic` from `sourceAlias` on the target. Identity keeps names, except heartbeats. */
export function formatRemoteTopic(p: PolicySpec, sourceAlias: string, topic: string): string {
  if (p.type === 'identity' && !looksLikeHeartbeat(topic)) return topic;
  return `${sourceAlias}${p.separator}${topic}`;
}

/** Source alias of a remote topic, or null. Identity cannot tell, except for heartbeats: it answers `identitySource`. */
export function topicSource(
  p: PolicySpec,
  topic: string,
  identitySource: string | null = null,
): string | null {
  if (p.type === 'identity' && !looksLikeHeartbeat(topic)) return identitySource;
  return defaultTopicSource(p, topic);
}

export function upstreamTopic(p: PolicySpec, topic: string): string | null {
  if (p.type === 'identity' && !looksLikeHeartbeat(topic)) return topic;
  return defaultUpstream(p, topic);
}

/** The original topic of a topic replicated over several hops (`B.A.orders` → `orders`). */
export function originalTopic(p: PolicySpec, topic: string): string {
  if (p.type === 'identity' && !looksLikeHeartbeat(topic)) return topic;
  let current = topic;
  for (let up = defaultUpstream(p, current); up !== null; up = defaultUpstream(p, current)) current = up;
  return current;
}

function internalSeparator(p: PolicySpec): string {
  return p.internalTopicSeparator === false ? '.' : p.separator;
}

/** `<alias><sep>checkpoints<sep>internal` with the policy's internal separator. */
export function checkpointsTopic(p: PolicySpec, alias: string): string {
  const s = internalSeparator(p);
  return `${alias}${s}checkpoints${s}internal`;
}

/** `mm2-offset-syncs<sep><alias><sep>internal`; alias is the target for location=source, the source for location=target. */
export function offsetSyncsTopic(p: PolicySpec, alias: string): string {
  const s = internalSeparator(p);
  return `mm2-offset-syncs${s}${alias}${s}internal`;
}

/** Both names an internal topic may have: with the custom separator (3.1+) and the dotted one. */
export function internalTopicCandidates(p: PolicySpec, name: (q: PolicySpec) => string): string[] {
  return [
    ...new Set([name({ ...p, internalTopicSeparator: true }), name({ ...p, internalTopicSeparator: false })]),
  ];
}

/** Internal topics are never replicated. */
export function isInternalTopic(p: PolicySpec, topic: string): boolean {
  const mm2Internal = topic.endsWith(`${internalSeparator(p)}internal`);
  return (
    mm2Internal ||
    topic.endsWith('.internal') ||
    topic.endsWith('-internal') ||
    topic.startsWith('__') ||
    topic.startsWith('.')
  );
}

/** MM2's default `topics.exclude` and `groups.exclude`. */
export const DEFAULT_TOPICS_EXCLUDE = [/^.*[-.]internal$/, /^.*\.replica$/, /^__.*$/];
export const DEFAULT_GROUPS_EXCLUDE = [/^console-consumer-.*$/, /^connect-.*$/, /^__.*$/];

export function remoteTopic(flow: FlowNaming, topic: string): string {
  return formatRemoteTopic(flow.replicationPolicy, flow.source, topic);
}

/** The topic on the target whose freshness proves the flow replicates: `<source>.heartbeats`. */
export function replicatedHeartbeatsTopic(flow: FlowNaming): string {
  return remoteTopic(flow, HEARTBEATS_TOPIC);
}

/** Topic configs MirrorMaker 2 never copies (DefaultConfigPropertyFilter's config.properties.exclude default). */
export const MM2_CONFIG_EXCLUDE = [
  'follower.replication.throttled.replicas',
  'leader.replication.throttled.replicas',
  'message.timestamp.difference.max.ms',
  'log.message.timestamp.before.max.ms',
  'log.message.timestamp.after.max.ms',
  'message.timestamp.type',
  'unclean.leader.election.enable',
  'min.insync.replicas',
];
