import { bootstrapOf, type SandboxLayout } from './layout.js';

/** The connector names the sandbox creates; examples/sandbox.kdr.yaml names the same ones. */
export const SANDBOX_CONNECTORS = {
  source: 'primary->dr.MirrorSourceConnector',
  checkpoint: 'primary->dr.MirrorCheckpointConnector',
  /** Writes heartbeats INTO primary (as dedicated MM2's dr->primary herder does); the source connector then
   * mirrors them to dr as `primary.heartbeats`, which proves that the flow replicates. */
  heartbeat: 'dr->primary.MirrorHeartbeatConnector',
} as const;

const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';

function common(
  layout: SandboxLayout,
  source: 'primary' | 'dr',
  target: 'primary' | 'dr',
): Record<string, string> {
  return {
    'source.cluster.alias': source,
    'target.cluster.alias': target,
    'source.cluster.bootstrap.servers': bootstrapOf(layout, source),
    'target.cluster.bootstrap.servers': bootstrapOf(layout, target),
    'key.converter': BYTES,
    'value.converter': BYTES,
    'header.converter': BYTES,
    'tasks.max': '1',
  };
}

/** Fast test settings (offset.lag.max=0 gives a sync per record: exact translation). */
export function sandboxConnectorConfigs(layout: SandboxLayout): Record<string, Record<string, string>> {
  return {
    [SANDBOX_CONNECTORS.source]: {
      ...common(layout, 'primary', 'dr'),
      'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
      topics: '.*',
      // MM2's default excludes plus a prefix the tests use for a topic that must stay unmirrored
      'topics.exclude': '.*[-.]internal, .*\\.replica, __.*, unmirrored-.*',
      'replication.factor': '1',
      'offset-syncs.topic.replication.factor': '1',
      'offset-syncs.topic.location': 'target',
      'offset.lag.max': '0',
      'refresh.topics.interval.seconds': '1',
      'sync.topic.configs.interval.seconds': '2',
      'sync.topic.acls.enabled': 'false',
    },
    [SANDBOX_CONNECTORS.checkpoint]: {
      ...common(layout, 'primary', 'dr'),
      'connector.class': 'org.apache.kafka.connect.mirror.MirrorCheckpointConnector',
      groups: '.*',
      'checkpoints.topic.replication.factor': '1',
      'offset-syncs.topic.location': 'target',
      'emit.checkpoints.interval.seconds': '1',
      'sync.group.offsets.enabled': 'false',
      'refresh.groups.interval.seconds': '1',
    },
    [SANDBOX_CONNECTORS.heartbeat]: {
      ...common(layout, 'dr', 'primary'),
      'connector.class': 'org.apache.kafka.connect.mirror.MirrorHeartbeatConnector',
      'heartbeats.topic.replication.factor': '1',
      'emit.heartbeats.interval.seconds': '1',
      'producer.override.bootstrap.servers': bootstrapOf(layout, 'primary'),
    },
  };
}
