import type { FlowConfig } from '../config/load.js';
import { wholeName } from '../core/pattern.js';
import {
  DEFAULT_GROUPS_EXCLUDE,
  DEFAULT_TOPICS_EXCLUDE,
  HEARTBEATS_TOPIC,
  isInternalTopic,
  topicSource,
  upstreamTopic,
} from '../mm2/naming.js';

/** MM2 matches its `topics`/`groups` patterns against the whole name (Java's Pattern.matches). */
const whole = wholeName;

/**
 * MM2's cycle check (MirrorSourceConnector.isCycle): a topic that came from the flow's target, at any hop, is never
 * replicated back to it. This is what keeps a failback's reverse flow and the forward flow from looping.
 */
export function isCycle(flow: Pick<FlowConfig, 'target' | 'replicationPolicy'>, topic: string): boolean {
  const p = flow.replicationPolicy;
  const source = topicSource(p, topic);
  if (source === null) return false;
  if (source === flow.target) return true;
  const up = upstreamTopic(p, topic);
  return up !== null && up !== topic && isCycle(flow, up);
}

/** The source topics the flow replicates: its pattern, minus MM2's default excludes, internal topics and cycles. */
export function flowTopicFilter(flow: FlowConfig): (topic: string) => boolean {
  const include = whole(flow.topics);
  return (t) =>
    t !== HEARTBEATS_TOPIC &&
    !isCycle(flow, t) &&
    include.test(t) &&
    !DEFAULT_TOPICS_EXCLUDE.some((x) => x.test(t)) &&
    !isInternalTopic(flow.replicationPolicy, t);
}

/** The consumer groups the flow checkpoints: its pattern minus MM2's default excludes. */
export function flowGroupFilter(flow: FlowConfig): (group: string) => boolean {
  const include = whole(flow.groups);
  return (g) => include.test(g) && !DEFAULT_GROUPS_EXCLUDE.some((x) => x.test(g));
}
