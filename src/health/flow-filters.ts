import type { FlowConfig } from '../config/load.js';
import {
  DEFAULT_GROUPS_EXCLUDE,
  DEFAULT_TOPICS_EXCLUDE,
  HEARTBEATS_TOPIC,
  isInternalTopic,
} from '../mm2/naming.js';

/** MM2 matches its `topics`/`groups` patterns against the whole name (Java's Pattern.matches). */
const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);

/** The source topics the flow replicates: its pattern, minus MM2's default excludes and internal topics. */
export function flowTopicFilter(flow: FlowConfig): (topic: string) => boolean {
  const include = whole(flow.topics);
  return (t) =>
    t !== HEARTBEATS_TOPIC &&
    include.test(t) &&
    !DEFAULT_TOPICS_EXCLUDE.some((x) => x.test(t)) &&
    !isInternalTopic(flow.replicationPolicy, t);
}

/** The consumer groups the flow checkpoints: its pattern minus MM2's default excludes. */
export function flowGroupFilter(flow: FlowConfig): (group: string) => boolean {
  const include = whole(flow.groups);
  return (g) => include.test(g) && !DEFAULT_GROUPS_EXCLUDE.some((x) => x.test(g));
}
