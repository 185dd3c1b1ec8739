import type { FlowConfig } from '../config/load.js';

/**
 * The name MM2 gives a source topic on the target. DefaultReplicationPolicy: `<alias><sep><topic>`.
 * IdentityReplicationPolicy keeps names, except heartbeats, which always get the prefix.
 */
export function remoteTopic(flow: Pick<FlowConfig, 'source' | 'replicationPolicy'>, topic: string): string {
  const { type, separator } = flow.replicationPolicy;
  if (type === 'identity' && topic !== 'heartbeats') return topic;
  return `${flow.source}${separator}${topic}`;
}

/** The topic on the target whose freshness proves the flow replicates: `<source>.heartbeats`. */
export function replicatedHeartbeatsTopic(flow: Pick<FlowConfig, 'source' | 'replicationPolicy'>): string {
  return remoteTopic(flow, 'heartbeats');
}
